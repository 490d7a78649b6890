//! OAuth 1.0a HMAC-SHA1 signatures over form parameters, computed the way the `ims-lti`
//! validator computes them (and therefore the way LTI 1.1 tool consumers sign launches).
//!
//! The rules, in the order they apply:
//! - the parameters are the form body plus the URL query, minus `oauth_signature`; a repeated
//!   name appears once per value;
//! - each parameter becomes the string `key=enc(value)`: the value is RFC 3986 encoded
//!   (everything but `A-Z a-z 0-9 - . _ ~`), the key is left as it is;
//! - the whole `key=value` strings are sorted (as JavaScript sorts strings, by UTF-16 code
//!   units) and joined by `&`;
//! - the base string is `METHOD&enc(url)&enc(joined)`;
//! - the HMAC-SHA1 key is `consumer_secret&token_secret`, with the secrets NOT encoded: this is
//!   where `ims-lti` departs from RFC 5849, which encodes them. Both agree for secrets made only
//!   of unreserved characters;
//! - the signature is the base64 of the digest.
//!
//! Not for: nonces, timestamps, or which consumer keys exist. Those are the caller's rules.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::target::percent_encode;

/// The only signature method this module computes.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The OAuth version `sign` declares.
pub const VERSION: &str = "1.0";
/// The parameter that carries the signature; it never takes part in the base string.
pub const SIGNATURE_PARAM: &str = "oauth_signature";

/// The signature base string of a request.
///
/// `url` is the scheme, host and path the signer addressed (no query: query parameters belong
/// in `params`). Any `oauth_signature` in `params` is left out.
///
/// ```
/// use confuzz::auth::oauth1::base_string;
/// let params = vec![("b".to_string(), "x y".to_string()), ("a".to_string(), "1".to_string())];
/// assert_eq!(
///     base_string("post", "http://localhost/lti/launch", &params),
///     "POST&http%3A%2F%2Flocalhost%2Flti%2Flaunch&a%3D1%26b%3Dx%2520y"
/// );
/// ```
pub fn base_string(method: &str, url: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<String> = params
        .iter()
        .filter(|(k, _)| k != SIGNATURE_PARAM)
        .map(|(k, v)| format!("{k}={}", percent_encode(v)))
        .collect();
    // JavaScript's default sort compares UTF-16 code units; keys are not encoded, so a key
    // outside the Basic Multilingual Plane would sort differently by bytes.
    pairs.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode(url),
        percent_encode(&pairs.join("&"))
    )
}

/// The base64 HMAC-SHA1 of `base` keyed with `consumer_secret&token_secret` (secrets used as
/// they are, not percent-encoded). LTI 1.1 launches have no token: pass `""`.
pub fn signature(base: &str, consumer_secret: &str, token_secret: &str) -> String {
    let key = format!("{consumer_secret}&{token_secret}");
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key.as_bytes()) else {
        // HMAC takes keys of any length; this branch exists only to avoid a panic path.
        return String::new();
    };
    mac.update(base.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `params` with `oauth_signature` computed over them appended (any earlier `oauth_signature`
/// is dropped). The other `oauth_*` parameters are signed exactly as given, which lets a caller
/// sign a request that lacks one or carries an odd value.
pub fn with_signature(
    method: &str,
    url: &str,
    params: &[(String, String)],
    consumer_secret: &str,
) -> Vec<(String, String)> {
    let mut signed: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != SIGNATURE_PARAM)
        .cloned()
        .collect();
    let sig = signature(&base_string(method, url, &signed), consumer_secret, "");
    signed.push((SIGNATURE_PARAM.to_string(), sig));
    signed
}

/// Signs `params` as an LTI 1.1 tool consumer does: sets `oauth_consumer_key`, `oauth_nonce`,
/// `oauth_signature_method=HMAC-SHA1`, `oauth_timestamp` and `oauth_version=1.0` (replacing
/// any given values of those), then appends `oauth_signature`.
///
/// ```
/// use confuzz::auth::oauth1::{sign, verify};
/// let params = vec![("resource_link_id".to_string(), "r1".to_string())];
/// let url = "http://localhost/lti/launch";
/// let signed = sign("POST", url, &params, "key", "secret", "n-1", 1_700_000_000);
/// assert!(signed.iter().any(|(k, v)| k == "oauth_version" && v == "1.0"));
/// assert!(verify("POST", url, &signed, "secret", ""));
/// assert!(!verify("POST", url, &signed, "other", ""));
/// ```
pub fn sign(
    method: &str,
    url: &str,
    params: &[(String, String)],
    consumer_key: &str,
    consumer_secret: &str,
    nonce: &str,
    timestamp: u64,
) -> Vec<(String, String)> {
    const SET: [&str; 5] = [
        "oauth_consumer_key",
        "oauth_nonce",
        "oauth_signature_method",
        "oauth_timestamp",
        "oauth_version",
    ];
    let mut all: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| !SET.contains(&k.as_str()))
        .cloned()
        .collect();
    all.extend([
        ("oauth_consumer_key".to_string(), consumer_key.to_string()),
        ("oauth_nonce".to_string(), nonce.to_string()),
        (
            "oauth_signature_method".to_string(),
            SIGNATURE_METHOD.to_string(),
        ),
        ("oauth_timestamp".to_string(), timestamp.to_string()),
        ("oauth_version".to_string(), VERSION.to_string()),
    ]);
    with_signature(method, url, &all, consumer_secret)
}

/// Whether the first `oauth_signature` in `params` is the signature of the request with these
/// secrets. A missing or empty signature never verifies. The comparison takes the same time
/// wherever the strings differ.
pub fn verify(
    method: &str,
    url: &str,
    params: &[(String, String)],
    consumer_secret: &str,
    token_secret: &str,
) -> bool {
    let Some(given) = params
        .iter()
        .find(|(k, _)| k == SIGNATURE_PARAM)
        .map(|(_, v)| v.as_str())
    else {
        return false;
    };
    let expected = signature(
        &base_string(method, url, params),
        consumer_secret,
        token_secret,
    );
    !given.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// OAuth Core 1.0, Appendix A.5 ("photos.example.net"), with a token secret. The secrets
    /// are made of unreserved characters, so RFC 5849 and `ims-lti` key the HMAC alike.
    #[test]
    fn oauth_core_appendix_a5_vector() {
        let params = pairs(&[
            ("file", "vacation.jpg"),
            ("size", "original"),
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1191242096"),
            ("oauth_nonce", "kllo9940pd9333jh"),
            ("oauth_version", "1.0"),
        ]);
        let base = base_string("GET", "http://photos.example.net/photos", &params);
        assert_eq!(
            base,
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26\
             oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26\
             oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26\
             oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal"
        );
        assert_eq!(
            signature(&base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00"),
            "tR3+Ty81lMeYAr/Fid0kMTYa/WM="
        );
    }

    /// RFC 5849 section 1.2: the protected-resource request (signature shown there
    /// percent-encoded as `MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D`).
    #[test]
    fn rfc5849_section_1_2_vector() {
        let params = pairs(&[
            ("file", "vacation.jpg"),
            ("size", "original"),
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131202"),
            ("oauth_nonce", "chapoH"),
            ("oauth_signature", "MdpQcU8iPSUjWoN/UDMsK2sui9I="),
        ]);
        let url = "http://photos.example.net/photos";
        assert_eq!(
            signature(
                &base_string("GET", url, &params),
                "kd94hf93k423kf44",
                "pfkkdhi9sl3r4s00"
            ),
            "MdpQcU8iPSUjWoN/UDMsK2sui9I="
        );
        assert!(verify(
            "GET",
            url,
            &params,
            "kd94hf93k423kf44",
            "pfkkdhi9sl3r4s00"
        ));
    }

    /// A basic launch signed by an independent LTI tool consumer (the learn-lti signature
    /// checker), as recorded in the test examples of harvard-edtech/caccl-lti
    /// (`test/examples/launches/valid.js`, first example).
    #[test]
    fn launch_signed_by_an_independent_consumer_verifies() {
        let params = pairs(&[
            ("oauth_consumer_key", "5b6ee40cc9fcdaede550654a93307dcd"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1536162928"),
            ("oauth_nonce", "1rC2NGlkEacq5jD0u7msfCT0mRfOaFMz4jJyvHM4MsQ"),
            ("oauth_version", "1.0"),
            ("context_id", "e05c24be1e"),
            ("context_title", "Section 955"),
            (
                "launch_presentation_return_url",
                "https://learn-lti.herokuapp.com/tool_return/signature_check/2/6862",
            ),
            ("lis_person_name_full", "Dong Miller"),
            ("lti_message_type", "basic-lti-launch-request"),
            ("lti_version", "LTI-1p0"),
            ("resource_link_id", "30fd061cfe"),
            ("roles", ""),
            ("tool_consumer_instance_name", "Organization 738"),
            ("user_id", "b029d74d0a"),
            ("oauth_signature", "/tuo1sYQB8oKiKfbR7xB7ayuv0s="),
        ]);
        let url = "https://localhost:8080/launch";
        let secret = "c64d84750dcb21febd995058588f019f";
        assert!(verify("POST", url, &params, secret, ""));
        let mut tampered = params.clone();
        tampered[5].1 = "e05c24be1f".to_string();
        assert!(!verify("POST", url, &tampered, secret, ""));
    }

    /// The signature expected by the HMAC-SHA1 tests of Simon-Initiative/oli-torus
    /// (`test/oli/lti/hmac_sha1_test.exs`, "builds the correct signature").
    #[test]
    fn second_independent_library_vector() {
        let params = pairs(&[
            ("oauth_consumer_key", "secret"),
            ("oauth_nonce", "nonce"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "0"),
            ("oauth_version", "1.0"),
            ("custom_param1", "value1"),
        ]);
        let base = base_string("POST", "https://someurl.com/", &params);
        assert_eq!(
            signature(&base, "secret", ""),
            "RPyMwPZb28+EZCEe0uLbO+q8blg="
        );
    }

    /// `ims-lti` keys the HMAC with the raw secret; RFC 5849 would give
    /// `e01XGwZrR9mkwb3PHYmfYOxuZiA=` here (secret encoded as `s3cr3t%2B%2F%3D`).
    /// Figures computed with Python's `hmac`/`hashlib`.
    #[test]
    fn secret_is_not_percent_encoded() {
        let base = "POST&http%3A%2F%2Flocalhost%2Flti%2Flaunch&a%3D1";
        assert_eq!(
            base_string("POST", "http://localhost/lti/launch", &pairs(&[("a", "1")])),
            base
        );
        assert_eq!(
            signature(base, "s3cr3t+/=", ""),
            "I6RoFXyJARzXfvh+k+nLFTX+DuU="
        );
    }

    /// `a b=…` sorts before `a=1` because whole `k=v` strings are sorted (a sort by key would
    /// put `a` first), and the key `a b` stays unencoded inside the joined string.
    #[test]
    fn keys_are_not_encoded_values_are_and_whole_pairs_sort() {
        let params = pairs(&[
            ("b", "!*'()"),
            ("a b", "é"),
            ("a", "2"),
            ("a", "1"),
            ("oauth_signature", "ignored"),
        ]);
        assert_eq!(
            base_string("get", "http://h/p", &params),
            "GET&http%3A%2F%2Fh%2Fp&a%20b%3D%25C3%25A9%26a%3D1%26a%3D2%26b%3D%2521%252A%2527%2528%2529"
        );
    }

    #[test]
    fn sign_replaces_given_oauth_values_and_verifies() {
        let given = pairs(&[("oauth_version", "2.0"), ("x", "1")]);
        let signed = sign("POST", "http://h/p", &given, "k", "s", "n", 7);
        let count = |name: &str| signed.iter().filter(|(k, _)| k == name).count();
        assert_eq!(count("oauth_version"), 1);
        assert_eq!(count("oauth_signature"), 1);
        assert!(signed.contains(&("oauth_timestamp".to_string(), "7".to_string())));
        assert!(verify("POST", "http://h/p", &signed, "s", ""));
        assert!(!verify("POST", "http://h/other", &signed, "s", ""));
        let unsigned: Vec<_> = signed
            .iter()
            .filter(|(k, _)| k != SIGNATURE_PARAM)
            .cloned()
            .collect();
        assert!(!verify("POST", "http://h/p", &unsigned, "s", ""));
    }
}
