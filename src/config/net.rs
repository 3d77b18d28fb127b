//! IP address ranges for option `folio.trustedProxies`.
//!
//! An entry is a single address (`127.0.0.1`, `::1`) or a CIDR range
//! (`10.0.0.0/8`, `fd00::/8`). Parsing happens once, at start-up, so a typo in
//! the list stops Folio instead of silently trusting nobody (or everybody).
//! IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack socket
//! reports) are matched as the IPv4 address they carry.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// One address or CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    /// The network address, with the host bits cleared.
    network: IpAddr,
    /// Leading bits that must match: 0–32 for IPv4, 0–128 for IPv6.
    prefix: u8,
}

/// Why an entry is not an address or a range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IP address or CIDR range")]
pub struct InvalidIpNet(pub String);

impl IpNet {
    /// Whether `ip` lies in this range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(ip)), self.prefix, 32) == u128::from(u32::from(network))
            }
            (IpAddr::V6(network), IpAddr::V6(ip)) => {
                masked(u128::from(ip), self.prefix, 128) == u128::from(network)
            }
            _ => false,
        }
    }
}

/// Whether any range in `nets` contains `ip`.
pub fn any_contains(nets: &[IpNet], ip: IpAddr) -> bool {
    nets.iter().any(|net| net.contains(ip))
}

/// `value` with all but the first `prefix` of its `width` bits cleared.
fn masked(value: u128, prefix: u8, width: u8) -> u128 {
    let host_bits = u32::from(width.saturating_sub(prefix));
    if host_bits >= 128 {
        return 0;
    }
    (value >> host_bits) << host_bits
}

impl FromStr for IpNet {
    type Err = InvalidIpNet;

    fn from_str(text: &str) -> Result<IpNet, InvalidIpNet> {
        let invalid = || InvalidIpNet(text.to_owned());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let address = IpAddr::from_str(address)
            .map_err(|_| invalid())?
            .to_canonical();
        let width = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(digits) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
                digits
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= width)
                    .ok_or_else(invalid)?
            }
            Some(_) => return Err(invalid()),
        };
        let network = match address {
            IpAddr::V4(v4) => {
                let bits = masked(u128::from(u32::from(v4)), prefix, 32);
                IpAddr::V4(Ipv4Addr::from(u32::try_from(bits).map_err(|_| invalid())?))
            }
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(masked(u128::from(v6), prefix, 128))),
        };
        Ok(IpNet { network, prefix })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn net(text: &str) -> IpNet {
        text.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn single_addresses_match_only_themselves() {
        assert!(net("127.0.0.1").contains(ip("127.0.0.1")));
        assert!(!net("127.0.0.1").contains(ip("127.0.0.2")));
        assert!(net("::1").contains(ip("::1")));
        assert!(!net("::1").contains(ip("127.0.0.1")));
    }

    #[test]
    fn ranges_match_their_members() {
        let private = net("10.0.0.0/8");
        assert!(private.contains(ip("10.255.3.4")));
        assert!(!private.contains(ip("11.0.0.1")));
        let ula = net("fd00::/8");
        assert!(ula.contains(ip("fd12:3456::1")));
        assert!(!ula.contains(ip("fe80::1")));
        assert!(net("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(!net("0.0.0.0/0").contains(ip("2001:db8::1")));
        assert!(net("::/0").contains(ip("2001:db8::1")));
    }

    #[test]
    fn host_bits_are_ignored_and_shown_cleared() {
        assert_eq!(net("192.168.1.77/24").to_string(), "192.168.1.0/24");
        assert!(net("192.168.1.77/24").contains(ip("192.168.1.1")));
    }

    #[test]
    fn mapped_ipv4_matches_ipv4_ranges() {
        assert!(net("10.0.0.0/8").contains(ip("::ffff:10.1.2.3")));
        assert!(net("::ffff:10.0.0.1").contains(ip("10.0.0.1")));
    }

    #[test]
    fn malformed_entries_are_refused() {
        for bad in [
            "",
            "localhost",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "1.2.3/8",
            "10.0.0.0/8/8",
            "10.0.0.0/ 8",
        ] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad:?} parsed");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in ".{0,60}") {
            let _ = text.parse::<IpNet>();
        }

        #[test]
        fn an_address_is_in_every_range_built_from_it(
            bits in any::<u32>(),
            prefix in 0u8..=32,
        ) {
            let address = std::net::Ipv4Addr::from(bits);
            let range = net(&format!("{address}/{prefix}"));
            prop_assert!(range.contains(IpAddr::V4(address)));
        }

        #[test]
        fn v6_addresses_are_in_their_own_ranges(bits in any::<u128>(), prefix in 0u8..=128) {
            let address = std::net::Ipv6Addr::from(bits);
            // A mapped IPv4 address is read as IPv4, where a /128 is no prefix.
            prop_assume!(address.to_ipv4_mapped().is_none());
            let range = net(&format!("{address}/{prefix}"));
            prop_assert!(range.contains(IpAddr::V6(address)));
        }
    }
}
