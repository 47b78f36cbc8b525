//! Per-client-address limits, kept in this instance's memory (so several instances behind one
//! load balancer each allow the limit), and the client address itself.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::AppState;

/// At most `limit` events per key in each fixed window. Windows are counted from a key's first
/// event; keys whose window has passed are dropped as others are counted, so memory stays
/// bounded by the keys active in one window.
pub struct KeyedWindow {
    limit: u32,
    window: Duration,
    counts: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

/// Beyond this many keys the map is swept of finished windows before another is added.
const SWEEP_ABOVE: usize = 10_000;

impl KeyedWindow {
    pub fn new(limit: u32, window: Duration) -> KeyedWindow {
        KeyedWindow {
            limit,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event for `key`: false when the key has used up its window.
    pub fn allow(&self, key: IpAddr) -> bool {
        self.allow_at(key, Instant::now())
    }

    fn allow_at(&self, key: IpAddr, now: Instant) -> bool {
        let Ok(mut counts) = self.counts.lock() else {
            // A panic elsewhere poisoned the map: fail open rather than lock everyone out; the
            // per-account lockout still holds.
            return true;
        };
        if counts.len() > SWEEP_ABOVE {
            let window = self.window;
            counts.retain(|_, (started, _)| now.duration_since(*started) < window);
        }
        let entry = counts.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            return false;
        }
        entry.1 += 1;
        true
    }
}

/// The address of the client: the connection's peer, or (when `MASA_TRUST_FORWARDED_FOR` is
/// set, behind a proxy that appends it) the last `X-Forwarded-For` entry. Requests with
/// neither, as in the in-process tests, share the unspecified address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.config.trust_forwarded_for
            && let Some(forwarded) = last_forwarded_for(parts)
        {
            return Ok(ClientIp(forwarded));
        }
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip()),
        ))
    }
}

/// The entry the nearest proxy appended: earlier ones are whatever the client claimed.
fn last_forwarded_for(parts: &Parts) -> Option<IpAddr> {
    parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .next_back()
        .and_then(|last| last.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_key_gets_its_own_window() {
        let limiter = KeyedWindow::new(3, Duration::from_secs(60));
        let start = Instant::now();
        let one: IpAddr = "192.0.2.1".parse().unwrap();
        let two: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(limiter.allow_at(one, start));
        }
        assert!(!limiter.allow_at(one, start + Duration::from_secs(59)));
        assert!(
            limiter.allow_at(two, start),
            "another address is not held back"
        );
        assert!(
            limiter.allow_at(one, start + Duration::from_secs(60)),
            "a new window starts once the old one has passed"
        );
    }

    #[test]
    fn the_proxy_appended_forwarded_address_is_the_last() {
        let (parts, ()) = axum::http::Request::builder()
            .header("x-forwarded-for", "10.9.9.9, 192.0.2.50")
            .header("x-forwarded-for", "198.51.100.20")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(
            last_forwarded_for(&parts),
            Some("198.51.100.20".parse().unwrap())
        );
        let (parts, ()) = axum::http::Request::builder()
            .header("x-forwarded-for", "not an address")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(last_forwarded_for(&parts), None);
    }

    #[test]
    fn finished_windows_are_swept() {
        let limiter = KeyedWindow::new(1, Duration::from_secs(1));
        let start = Instant::now();
        for n in 0..=SWEEP_ABOVE as u32 {
            assert!(limiter.allow_at(IpAddr::from(n.to_be_bytes()), start));
        }
        let later = start + Duration::from_secs(2);
        assert!(limiter.allow_at("198.51.100.1".parse().unwrap(), later));
        assert_eq!(limiter.counts.lock().unwrap().len(), 1);
    }
}
