//! lint placeholder
