//! The main module here is [`oauth1`]: request signing as the LTI 1.1 tool consumers and
//! providers do it (OAuth 1.0a, HMAC-SHA1, form parameters).
//!
//! Not for: deciding whether a request should be accepted. Callers verify a signature here and
//! apply their own rules (known keys, nonces, timestamps) around it.

pub mod oauth1;
