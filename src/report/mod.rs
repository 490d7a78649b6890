//! Everything confuzz prints for people and machines: the spec catalog (`list`, `explain`,
//! `lint`) in [`catalog`]; run reports come as further consumers of run results.

pub mod catalog;
