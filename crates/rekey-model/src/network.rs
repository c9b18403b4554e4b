//! IP networks in CIDR notation: the `IpAddress` policy condition, and the
//! database hosts a built-in rotator may connect to.

use std::net::IpAddr;

/// An IP network: an address and the length of its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    bits: u8,
}

impl Network {
    /// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`); an
    /// address alone is a whole-length prefix.
    pub fn parse(cidr: &str) -> Option<Network> {
        let (address, bits) = match cidr.split_once('/') {
            Some((a, b)) => (a.parse::<IpAddr>().ok()?, b.parse::<u8>().ok()?),
            None => {
                let a = cidr.parse::<IpAddr>().ok()?;
                (a, if a.is_ipv4() { 32 } else { 128 })
            }
        };
        let max = if address.is_ipv4() { 32 } else { 128 };
        (bits <= max).then_some(Network { address, bits })
    }

    /// Whether `ip` is in the network (an address of the other family is
    /// not, but for an IPv4-mapped IPv6 address, which is its IPv4 self).
    pub fn contains(self, ip: IpAddr) -> bool {
        let prefix = |a: u128, b: u128, width: u32| {
            let shift = width - u32::from(self.bits);
            shift >= width || (a >> shift) == (b >> shift)
        };
        match (self.address, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix(u32::from(n).into(), u32::from(a).into(), 32),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix(u128::from(n), u128::from(a), 128),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_of_both_families() {
        let n = |s: &str| Network::parse(s).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(n("10.0.0.0/8").contains(ip("10.1.2.3")));
        assert!(!n("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(n("0.0.0.0/0").contains(ip("192.0.2.1")));
        assert!(n("192.0.2.7").contains(ip("192.0.2.7")));
        assert!(!n("192.0.2.7").contains(ip("192.0.2.8")));
        assert!(n("2001:db8::/32").contains(ip("2001:db8:1::1")));
        assert!(!n("2001:db8::/32").contains(ip("2001:db9::1")));
        assert!(!n("10.0.0.0/8").contains(ip("::1")));
        assert!(n("127.0.0.1").contains(ip("::ffff:127.0.0.1")), "an IPv4-mapped address is its IPv4 self");
        assert!(Network::parse("10.0.0.0/33").is_none());
        assert!(Network::parse("not-an-ip/8").is_none());
    }
}
