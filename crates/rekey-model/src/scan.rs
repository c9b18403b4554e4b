//! Byte scans over short text, eight bytes at a time: what a signature's
//! fields (some sixty bytes each) and a policy's patterns are matched by.
//! Shorter than it takes `memchr` or a searcher to set up, longer than a
//! byte at a time is quick.

/// Where the first `byte` in `s` is, eight bytes at a time.
#[inline]
pub fn position_of(s: &[u8], byte: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    let wanted = ONES * u64::from(byte);
    let mut words = s.chunks_exact(8);
    for (i, w) in words.by_ref().enumerate() {
        let x = u64::from_le_bytes(w.try_into().expect("8 bytes")) ^ wanted;
        // The high bit of each byte of `x` that is zero, and of no other.
        let zero = !(((x & LOW7) + LOW7) | x | LOW7);
        if zero != 0 {
            return Some(i * 8 + zero.trailing_zeros() as usize / 8);
        }
    }
    let tail = words.remainder();
    tail.iter().position(|b| *b == byte).map(|at| s.len() - tail.len() + at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_is_found_wherever_it_is() {
        // Every length around the eight-byte words, the byte at every place,
        // among bytes that differ from it by one bit (and with the high bit).
        for n in 0..40 {
            let hay: Vec<u8> = (0..n).map(|i| [b'-', b'\xac', b'm', b'<'][i % 4]).collect();
            assert_eq!(position_of(&hay, b','), None, "{n}");
            for at in 0..n {
                let mut with = hay.clone();
                with[at] = b',';
                if at + 1 < n {
                    with[n - 1] = b',';
                }
                assert_eq!(position_of(&with, b','), Some(at), "{n} bytes, first at {at}");
            }
        }
        assert_eq!(position_of(b"\xff\xff\xff\xff\xff\xff\xff\xff\xff", 0xff), Some(0));
        assert_eq!(position_of(b"\x00\x00\x00\x00\x00\x00\x00\x00\x01", 1), Some(8));
    }
}
