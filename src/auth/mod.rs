//! The main module here is [`oauth1`]: OAuth 1.0a HMAC-SHA1 request signing over form
//! parameters, per RFC 5849 and per the variants real verifiers use ([`oauth1::Convention`]).
//!
//! Not for: deciding whether a request should be accepted. Callers verify a signature here and
//! apply their own rules (known keys, nonces, timestamps) around it.

pub mod oauth1;
