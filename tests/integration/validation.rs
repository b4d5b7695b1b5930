//! The validation cases of `o11sim validate`, as tests: every exact
//! queueing result must lie inside the 99 % CI of the simulated mean.

use o11sim::validate::{cases, run_case};

/// Customers per replication in tests: long enough that the warm-up bias is
/// far below the CI half-width.
const CUSTOMERS: f64 = 100_000.0;

fn check(name: &str) {
    let mut ran = 0;
    for case in cases(CUSTOMERS).into_iter().filter(|c| c.name == name) {
        let o = run_case(&case, 20261127);
        let (lo, hi) = o
            .estimate
            .ci_99()
            .expect("30 replications give an interval");
        assert!(
            o.passed,
            "{}: exact {} outside simulated 99% CI [{lo}, {hi}] (mean {})",
            o.what, o.exact, o.estimate.mean
        );
        // The interval must be tight enough to mean something: within 5 %
        // of the exact value.
        assert!(
            (hi - lo) / 2.0 < 0.05 * o.exact.abs().max(1e-3),
            "{}: CI half-width {} too wide to be a meaningful check",
            o.what,
            (hi - lo) / 2.0
        );
        ran += 1;
    }
    assert!(ran > 0, "no validation case named {name}");
}

#[test]
fn mm1_mean_response() {
    check("mm1");
}

#[test]
fn mmc_mean_wait_matches_erlang_c() {
    check("mmc_erlang_c");
}

#[test]
fn mmcc_blocking_matches_erlang_b() {
    check("mmcc_erlang_b");
}

#[test]
fn md1_mean_wait_matches_pollaczek_khinchine() {
    check("md1");
}

#[test]
fn mg1_mean_wait_matches_pollaczek_khinchine() {
    check("mg1_gamma");
    check("mg1_uniform");
}

#[test]
fn mg1_processor_sharing_is_insensitive() {
    check("mg1_ps");
}

#[test]
fn tandem_jackson_network() {
    check("jackson_tandem");
}

#[test]
fn closed_network_matches_exact_mva() {
    check("mva_closed_throughput");
    check("mva_closed_response");
}

/// A deliberately wrong "exact" value must fail: the check can fail.
#[test]
fn a_wrong_exact_value_is_caught() {
    let mut case = cases(CUSTOMERS)
        .into_iter()
        .find(|c| c.name == "mmc_erlang_c")
        .unwrap();
    case.exact *= 1.05;
    assert!(!run_case(&case, 20261127).passed);
}
