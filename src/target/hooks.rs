//! What the engine and a target in test mode agree on: the header that asks for one fault, the
//! path of the capabilities document, and the largest request body a served target reads.
//!
//! Not for: implementing the hooks (each target does; the embedded reference honours them all).

/// The header that asks a target in test mode to fail one dependency for one request.
pub const FAULT_HEADER: &str = "X-Conformance-Fault";
/// The path at which a target in test mode declares which faults it supports.
pub const CAPABILITIES_PATH: &str = "/__conformance/capabilities";
/// Bodies larger than this are answered 413 before any vendor sees them (the embedded reference
/// and `confuzz serve` read at most one byte more).
pub const MAX_BODY_BYTES: usize = 1 << 20;
