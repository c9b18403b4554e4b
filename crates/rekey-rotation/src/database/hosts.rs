//! Which database hosts a built-in rotator may connect to
//! (`allowed_hosts` of its configuration).
//!
//! A secret's `host` and `port` are written by whoever may write the
//! secret: without a list, a tenant could make rekey connect anywhere its
//! own network reaches and read, from the errors, which ports answer.
//! So a rotator connects only to a host its operator listed, by name
//! (`db.internal`, matched whole and without regard to case) or by
//! network (`10.0.0.0/8`, `127.0.0.1`, `::1`): a network admits
//! addresses written as such in the secret, never a name that resolves
//! into it (which a tenant's DNS could point anywhere between the check
//! and the connection).

use super::FunctionError;
use rekey_model::network::Network;
use std::net::IpAddr;

/// The hosts a rotator may connect to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostAllowlist {
    /// Host names, lower case.
    names: Vec<String>,
    networks: Vec<Network>,
}

impl HostAllowlist {
    /// The list from configuration entries (names, addresses, networks in
    /// CIDR notation); it may not be empty.
    pub fn parse(entries: &[String]) -> Result<HostAllowlist, String> {
        if entries.is_empty() {
            return Err("`allowed_hosts` is empty: list the database hosts (names, addresses or CIDR networks) it may connect to".into());
        }
        let mut list = HostAllowlist::default();
        for entry in entries {
            let entry = entry.trim();
            if let Some(network) = Network::parse(entry) {
                list.networks.push(network);
            } else if is_host_name(entry) {
                list.names.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!(
                    "`allowed_hosts`: {entry:?} is neither a host name nor an address or CIDR network"
                ));
            }
        }
        Ok(list)
    }

    /// Whether a secret's `host` may be connected to.
    pub fn admits(&self, host: &str) -> bool {
        let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
        match literal.parse::<IpAddr>() {
            Ok(ip) => self.networks.iter().any(|n| n.contains(ip)),
            Err(_) => self.names.iter().any(|n| n.eq_ignore_ascii_case(host)),
        }
    }

    /// `Ok` when `host` is admitted, else the step's error.
    pub fn check(&self, host: &str) -> Result<(), FunctionError> {
        if self.admits(host) {
            return Ok(());
        }
        Err(FunctionError::Function(format!(
            "the database host {host:?} is not one this rotator may connect to (its allowed_hosts)"
        )))
    }
}

/// A DNS name: labels of letters, digits and `-`, joined by dots.
fn is_host_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.')
            .all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> HostAllowlist {
        HostAllowlist::parse(&entries.iter().map(|e| e.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn names_match_whole_and_networks_match_addresses() {
        let l = list(&["db.internal", "10.0.0.0/8", "127.0.0.1", "::1"]);
        for ok in ["db.internal", "DB.Internal", "10.2.3.4", "127.0.0.1", "::1", "[::1]", "::ffff:127.0.0.1"] {
            assert!(l.admits(ok), "{ok}");
        }
        for no in ["evil.db.internal", "db.internal.evil", "11.0.0.1", "127.0.0.2", "localhost", "169.254.169.254", ""]
        {
            assert!(!l.admits(no), "{no}");
        }
        // A name is never resolved into a network.
        assert!(!list(&["127.0.0.0/8"]).admits("localhost"));
    }

    #[test]
    fn a_list_must_name_something() {
        assert!(HostAllowlist::parse(&[]).is_err());
        assert!(HostAllowlist::parse(&["10.0.0.0/33".into()]).is_err());
        assert!(HostAllowlist::parse(&["a b".into()]).is_err());
    }
}
