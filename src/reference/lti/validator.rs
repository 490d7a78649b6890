//! The main type here is [`Validator`]: the checks the `ims-lti` provider runs before Class
//! looks at anything else, and whose failure Class reports as 1001
//! (`FAILED_IMSLTI_VALIDATION`). In `ims-lti`'s order:
//!
//! 1. parameters: an LTI 1.1 basic launch (`lti_message_type=basic-lti-launch-request`,
//!    `lti_version=LTI-1p0`, a `resource_link_id`) and the OAuth parameters
//!    `oauth_consumer_key`, `oauth_signature`, `oauth_signature_method=HMAC-SHA1`,
//!    `oauth_nonce`, `oauth_timestamp`, with `oauth_version=1.0` when present;
//! 2. signature: HMAC-SHA1 over `http://` + `Host` header + path, with the secret issued with
//!    `oauth_consumer_key` (an unknown key has no secret and fails here), computed with the
//!    `ims-lti` conventions ([`CONVENTION`]), not RFC 5849's;
//! 3. nonce and timestamp: a nonce is accepted once per consumer key within 300 s (it is
//!    recorded even when the timestamp then fails, as the `ims-lti` memory store does); a
//!    timestamp older than 300 s fails; a timestamp in the future does not.
//!
//! Not for: what a valid launch means to Class (credentials, Zoom, classes).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use crate::auth::oauth1;
use crate::reference::Config;
use crate::target::Request;

use super::lock;

/// How `ims-lti` computes signatures: names not encoded, whole `name=value` strings sorted,
/// the secret not encoded in the key (a variant the spec declares; RFC 5849 differs).
pub(super) const CONVENTION: oauth1::Convention = oauth1::Convention::ImsLti;

/// How long a nonce is remembered, and how old a timestamp may be (`ims-lti` `EXPIRE_IN_SEC`).
pub(super) const EXPIRE_IN_SEC: i64 = 300;

/// The parameters of a signed LTI request.
///
/// Fields are read from the form body, as `ims-lti` reads them; the signature covers the body
/// and the URL query. A body whose content type is not `application/x-www-form-urlencoded`
/// (or absent) carries no parameters.
#[derive(Debug, Clone, Default)]
pub(super) struct LtiParams {
    body: Vec<(String, String)>,
    query: Vec<(String, String)>,
}

impl LtiParams {
    pub fn read(request: &Request) -> Self {
        let is_form = request.header("Content-Type").is_none_or(|ct| {
            ct.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
        LtiParams {
            body: if is_form {
                request.form_pairs()
            } else {
                Vec::new()
            },
            query: request.query.clone(),
        }
    }

    /// The first body value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.body
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every parameter the signature covers: body, then query.
    fn signed(&self) -> Vec<(String, String)> {
        self.body.iter().chain(&self.query).cloned().collect()
    }
}

/// Which kind of signed request is validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Message {
    /// A basic launch: the LTI launch parameters are required.
    Launch,
    /// A signed service call (class details): only the OAuth parameters are required.
    ServiceCall,
}

/// Why the validator refused a request, named after the `ims-lti` error classes. Class
/// answers every one of them with 1001.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rejection {
    /// "Invalid LTI parameters" (and the OAuth parameters the spec requires).
    Parameter,
    /// "Invalid Signature", including a consumer key that was never issued.
    Signature,
    /// "Expired nonce": a reused nonce, a stale or missing timestamp.
    Nonce,
}

/// The validator with its nonce store.
#[derive(Debug, Default)]
pub(super) struct Validator {
    config: Config,
    nonces: Mutex<NonceStore>,
}

impl Validator {
    /// A validator with an empty nonce store.
    pub fn new(config: &Config) -> Self {
        Validator {
            config: config.clone(),
            nonces: Mutex::default(),
        }
    }

    /// Validates `params` of `request`, looking secrets up with `secret_of`. On success returns
    /// the consumer key.
    pub fn validate<'p>(
        &self,
        request: &Request,
        params: &'p LtiParams,
        message: Message,
        secret_of: impl Fn(&str) -> Option<String>,
    ) -> Result<&'p str, Rejection> {
        // 1. Parameters.
        if message == Message::Launch
            && !(params.get("lti_message_type") == Some("basic-lti-launch-request")
                && params.get("lti_version") == Some("LTI-1p0")
                && params.get("resource_link_id").is_some())
        {
            return Err(Rejection::Parameter);
        }
        let (Some(key), Some(_), Some(nonce), Some(timestamp)) = (
            params.get("oauth_consumer_key"),
            params.get(oauth1::SIGNATURE_PARAM),
            params.get("oauth_nonce"),
            params.get("oauth_timestamp"),
        ) else {
            return Err(Rejection::Parameter);
        };
        if params.get("oauth_signature_method") != Some(oauth1::SIGNATURE_METHOD)
            || params
                .get("oauth_version")
                .is_some_and(|v| v != oauth1::VERSION)
        {
            return Err(Rejection::Parameter);
        }

        // 2. Signature.
        let secret = secret_of(key).ok_or(Rejection::Signature)?;
        let url = format!(
            "http://{}{}",
            request.header("Host").unwrap_or("localhost"),
            request.path
        );
        if !CONVENTION.verify(&request.method, &url, &params.signed(), &secret, "") {
            return Err(Rejection::Signature);
        }

        // 3. Nonce, then timestamp.
        let now = self.config.clock.unix_seconds();
        if !lock(&self.nonces).record(key, nonce, now)
            && !self.config.mutant_is("lti.nonce-reuse-accepted")
        {
            return Err(Rejection::Nonce);
        }
        // `ims-lti` parses with parseInt; a value that is not an integer is never fresh here.
        let stale_accepted = self.config.mutant_is("lti.stale-timestamp-accepted");
        match timestamp.parse::<i64>() {
            Ok(at) if stale_accepted || now.saturating_sub(at) <= EXPIRE_IN_SEC => Ok(key),
            _ => Err(Rejection::Nonce),
        }
    }
}

/// The nonces seen per consumer key within the last [`EXPIRE_IN_SEC`] seconds.
///
/// Each nonce is kept as a 64-bit digest, not as its text: a long run sends tens of thousands
/// of launches within one window, and two different nonces sharing a digest is as unlikely as
/// guessing a nonce.
#[derive(Debug, Default)]
struct NonceStore {
    by_key: HashMap<String, SeenNonces>,
}

#[derive(Debug, Default)]
struct SeenNonces {
    seen: HashSet<u64>,
    /// (time seen, nonce digest), oldest first: what to forget once the window has passed.
    order: VecDeque<(i64, u64)>,
}

/// The digest a nonce is remembered by (the same in every instance and run).
fn nonce_digest(nonce: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    nonce.hash(&mut hasher);
    hasher.finish()
}

impl NonceStore {
    /// Records `nonce` for `key` at `now`. False when it was already seen within the window.
    /// The check and the insert happen in one call, under the caller's lock.
    fn record(&mut self, key: &str, nonce: &str, now: i64) -> bool {
        let nonce = nonce_digest(nonce);
        let nonces = self.by_key.entry(key.to_string()).or_default();
        while let Some((at, _)) = nonces.order.front() {
            if now.saturating_sub(*at) <= EXPIRE_IN_SEC {
                break;
            }
            if let Some((_, old)) = nonces.order.pop_front() {
                nonces.seen.remove(&old);
            }
        }
        if !nonces.seen.insert(nonce) {
            return false;
        }
        nonces.order.push_back((now, nonce));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_accepted_once_per_key_within_the_window() {
        let mut store = NonceStore::default();
        assert!(store.record("k", "n", 1_000));
        assert!(!store.record("k", "n", 1_000 + EXPIRE_IN_SEC));
        assert!(store.record("other", "n", 1_000));
        // Once the window has passed, the nonce is forgotten.
        assert!(store.record("k", "m", 1_000 + EXPIRE_IN_SEC + 1));
        assert!(store.record("k", "n", 1_000 + EXPIRE_IN_SEC + 1));
    }

    #[test]
    fn only_form_bodies_carry_parameters() {
        let pairs = vec![("a".to_string(), "1".to_string())];
        let form = Request::new("POST", "/lti/launch").with_form(&pairs);
        assert_eq!(LtiParams::read(&form).get("a"), Some("1"));
        let json = form.clone().with_header("Content-Type", "application/json");
        assert_eq!(LtiParams::read(&json).get("a"), None);
        let mut untyped = form;
        untyped.remove_header("Content-Type");
        assert_eq!(LtiParams::read(&untyped).get("a"), Some("1"));
    }
}
