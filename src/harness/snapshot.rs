//! The main item here is [`assert_report_snapshot!`](crate::assert_report_snapshot): an
//! [insta](https://docs.rs/insta) snapshot of a [`Report`](crate::Report) with everything that
//! changes from run to run removed ([`Report::normalized`](crate::Report::normalized)), so
//! that a change in an implementation's error behaviour (a row that starts or stops failing,
//! another status, another documented reading) shows up in `cargo insta review`.
//!
//! It is a macro, not a function, because insta places the snapshot file next to the calling
//! test, which only a macro expanded in the caller's crate can know.

/// Asserts an [insta](https://docs.rs/insta) JSON snapshot of a
/// [`Report`](crate::Report), normalized ([`Report::normalized`](crate::Report::normalized)):
/// timings, run-unique names and observed texts are left out, verdicts, the readings that
/// matched, the kinds of mismatch with their expectations and the answers' statuses stay.
///
/// Needs the `snapshot` feature. The snapshot is stored where insta stores it for the calling
/// test (`tests/snapshots/` by default; wrap the call in `insta::with_settings!` to change
/// that), named after the test function or the name given first. A new or changed snapshot
/// fails the test and is reviewed with `cargo insta review` (or accepted with
/// `INSTA_UPDATE=always`).
///
/// # Example
///
/// ```no_run
/// use confuzz::Harness;
///
/// let report = Harness::reference().vendor("clever").cases(8).seed(7).run().unwrap();
/// confuzz::assert_report_snapshot!("clever-reference", report);
/// ```
#[macro_export]
macro_rules! assert_report_snapshot {
    ($name:expr, $report:expr $(,)?) => {
        $crate::__private::insta::assert_json_snapshot!(
            $name,
            $crate::Report::normalized(::std::borrow::Borrow::<$crate::Report>::borrow(&$report)),
            ::std::concat!("normalized(", ::std::stringify!($report), ")")
        )
    };
    ($report:expr $(,)?) => {
        $crate::assert_report_snapshot!(::std::option::Option::None::<&str>, $report)
    };
}
