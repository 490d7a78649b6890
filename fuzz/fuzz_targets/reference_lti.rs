#![no_main]
// The body is `confuzz::fuzzing` (replayed on stable by tests/fuzz_replay.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| confuzz::fuzzing::run("reference_lti", data));
