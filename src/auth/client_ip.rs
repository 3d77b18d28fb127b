//! Who the visitor is on the network: the address login trials are counted by.
//!
//! Kirby uses the socket peer (`REMOTE_ADDR`) and nothing else (auth.md §4.3).
//! Behind a reverse proxy that is the proxy, so every visitor would share one
//! trial counter. Option `folio.trustedProxies` names the peers whose
//! forwarding headers Folio believes: from such a peer, the client is the
//! right-most address of the forwarding chain that is not itself a trusted
//! proxy. Everything left of it was written by the client and can be forged,
//! so it is never looked at. From any other peer the headers are ignored.
//!
//! `X-Forwarded-For` is read when present, `Forwarded: for=` (RFC 7239)
//! otherwise, because nearly every proxy appends the former by default.

use std::net::IpAddr;

use crate::config::{IpNet, any_contains};

/// The forwarding headers of one request, every line of each, in order.
#[derive(Debug, Clone, Default)]
pub struct ForwardingHeaders<'a> {
    pub x_forwarded_for: Vec<&'a str>,
    pub forwarded: Vec<&'a str>,
}

/// Whether `peer` is a proxy whose forwarding headers count.
pub fn peer_is_trusted(peer: Option<IpAddr>, trusted: &[IpNet]) -> bool {
    peer.is_some_and(|peer| any_contains(trusted, peer))
}

/// The visitor's address. `None` only when the peer is unknown (a request
/// built in process, with no connection).
pub fn client_ip(
    peer: Option<IpAddr>,
    headers: &ForwardingHeaders,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let peer = peer?.to_canonical();
    if !any_contains(trusted, peer) {
        return Some(peer);
    }
    let chain = if headers.x_forwarded_for.is_empty() {
        forwarded_for_chain(&headers.forwarded)
    } else {
        x_forwarded_for_chain(&headers.x_forwarded_for)
    };
    let mut nearest = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) if any_contains(trusted, *ip) => nearest = *ip,
            Some(ip) => return Some(*ip),
            // An entry that is no address (`unknown`, an obfuscated name,
            // garbage) ends what can be believed: the last trusted hop stands
            // in for the client, which errs towards counting more, not less.
            None => return Some(nearest),
        }
    }
    Some(nearest)
}

/// `X-Forwarded-For: client, proxy1, proxy2`, left to right.
fn x_forwarded_for_chain(lines: &[&str]) -> Vec<Option<IpAddr>> {
    lines
        .iter()
        .flat_map(|line| line.split(','))
        .map(|entry| parse_node(entry.trim()))
        .collect()
}

/// The `for=` of each element of `Forwarded: for=a;proto=https, for=b`,
/// left to right. An element without `for=` is a hop nobody named.
fn forwarded_for_chain(lines: &[&str]) -> Vec<Option<IpAddr>> {
    lines
        .iter()
        .flat_map(|line| line.split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, value)| parse_node(value.trim().trim_matches('"')))
        })
        .collect()
}

/// An address as proxies write it: `192.0.2.1`, `192.0.2.1:8080`, `2001:db8::1`
/// or `[2001:db8::1]:8080`.
fn parse_node(text: &str) -> Option<IpAddr> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let host = match text.strip_prefix('[') {
        Some(rest) => {
            let (inside, after) = rest.split_once(']')?;
            if !(after.is_empty() || after.strip_prefix(':').is_some_and(is_port)) {
                return None;
            }
            inside
        }
        None => {
            let (host, port) = text.rsplit_once(':')?;
            if !is_port(port) {
                return None;
            }
            host
        }
    };
    host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

fn is_port(digits: &str) -> bool {
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    fn xff<'a>(lines: &[&'a str]) -> ForwardingHeaders<'a> {
        ForwardingHeaders {
            x_forwarded_for: lines.to_vec(),
            forwarded: Vec::new(),
        }
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_sends() {
        let headers = xff(&["203.0.113.7"]);
        let got = client_ip(Some(ip("198.51.100.2")), &headers, &nets(&["10.0.0.0/8"]));
        assert_eq!(got, Some(ip("198.51.100.2")));
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &[]),
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn a_trusted_peer_names_the_right_most_untrusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = xff(&["6.6.6.6, 203.0.113.7", "10.1.1.1"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("203.0.113.7"))
        );
    }

    #[test]
    fn a_chain_of_only_proxies_ends_at_its_left_most_entry() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = xff(&["10.9.9.9, 10.1.1.1"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("10.9.9.9"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &xff(&[]), &trusted),
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn garbage_stops_at_the_nearest_trusted_hop() {
        let trusted = nets(&["10.0.0.0/8"]);
        let headers = xff(&["203.0.113.7, unknown, 10.1.1.1"]);
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), &headers, &trusted),
            Some(ip("10.1.1.1"))
        );
    }

    #[test]
    fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
        let trusted = nets(&["::1"]);
        let headers = ForwardingHeaders {
            x_forwarded_for: Vec::new(),
            forwarded: vec![r#"for=6.6.6.6, for="[2001:db8::17]:4711";proto=https"#],
        };
        assert_eq!(
            client_ip(Some(ip("::1")), &headers, &trusted),
            Some(ip("2001:db8::17"))
        );
        let both = ForwardingHeaders {
            x_forwarded_for: vec!["203.0.113.7"],
            forwarded: vec!["for=6.6.6.6"],
        };
        assert_eq!(
            client_ip(Some(ip("::1")), &both, &trusted),
            Some(ip("203.0.113.7"))
        );
    }

    #[test]
    fn mapped_peers_and_ports_are_normalised() {
        let trusted = nets(&["127.0.0.1"]);
        let headers = xff(&["203.0.113.7:5555"]);
        let got = client_ip(Some(ip("::ffff:127.0.0.1")), &headers, &trusted);
        assert_eq!(got, Some(ip("203.0.113.7")));
        assert_eq!(parse_node("[::1]:80"), Some(ip("::1")));
        assert_eq!(parse_node("::1"), Some(ip("::1")));
        assert_eq!(parse_node("1.2.3.4:"), None);
        assert_eq!(parse_node("[::1]x"), None);
        assert_eq!(parse_node("_hidden"), None);
    }

    #[test]
    fn trust_needs_a_known_peer_in_the_list() {
        let trusted = nets(&["127.0.0.0/8"]);
        assert!(peer_is_trusted(Some(ip("127.0.0.1")), &trusted));
        assert!(!peer_is_trusted(Some(ip("192.0.2.1")), &trusted));
        assert!(!peer_is_trusted(None, &trusted));
        assert_eq!(client_ip(None, &xff(&["1.2.3.4"]), &trusted), None);
    }

    proptest! {
        #[test]
        fn any_header_text_is_safe(
            line in ".{0,80}",
            forwarded in ".{0,80}",
        ) {
            let trusted = nets(&["127.0.0.1"]);
            let headers = ForwardingHeaders {
                x_forwarded_for: vec![line.as_str()],
                forwarded: vec![forwarded.as_str()],
            };
            let got = client_ip(Some(ip("127.0.0.1")), &headers, &trusted);
            prop_assert!(got.is_some());
        }

        #[test]
        fn an_untrusted_peer_is_never_replaced(line in ".{0,80}", last in any::<u8>()) {
            let peer = IpAddr::from([192, 0, 2, last]);
            let trusted = nets(&["127.0.0.1"]);
            let got = client_ip(Some(peer), &xff(&[line.as_str()]), &trusted);
            prop_assert_eq!(got, Some(peer));
        }
    }
}
