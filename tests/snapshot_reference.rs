//! Snapshots of each vendor's normalized run against the embedded reference (`snapshots/`).
//! A change in a reference implementation's error behaviour, or in how the oracle reads it
//! (which documented reading matched), shows up here for review (`cargo insta review`).

use confuzz::reference::{Config, Reference};
use confuzz::report::run::normalized;
use confuzz::run::{run, RunOptions};
use confuzz::spec::load_embedded;

fn snapshot_vendor(vendor: &str) {
    let set = load_embedded()
        .expect("the shipped specs load")
        .only_vendors(&[vendor.to_string()])
        .expect("the vendor is shipped");
    let reference = Reference::new(Config::default());
    let fixtures = reference.fixtures();
    let options = RunOptions::default().cases(8).seed(7).jobs(2);
    let report = run(&set, &reference, &fixtures, &options, &|_| {}).expect("the run completes");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!(format!("run-{vendor}"), normalized(&report));
    });
}

#[test]
fn lti_run_against_reference() {
    snapshot_vendor("lti");
}

#[test]
fn coursekey_run_against_reference() {
    snapshot_vendor("coursekey");
}

#[test]
fn classroom_run_against_reference() {
    snapshot_vendor("classroom");
}

#[test]
fn clever_run_against_reference() {
    snapshot_vendor("clever");
}
