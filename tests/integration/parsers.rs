//! Property tests over the command line's own text parsers (durations and
//! distributions are covered in `dist`, scenario files and `--set` in
//! `scenario`): lists and ranges of `--vary`, SLO expressions of `size`,
//! `--shard K/N` and `--set KEY=VALUE`. No input panics; every accepted
//! value round-trips; every rejection says what is allowed.

use o11sim::dist::format_duration;
use o11sim::model::spec::Slo;
use o11sim::scenario::Override;
use o11sim::whatif::size::parse_slo;
use o11sim::whatif::variants::{Shard, parse_list};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn lists_never_panic(text in "\\PC{0,40}") {
        if let Err(e) = parse_list(&text) {
            prop_assert!(!e.is_empty());
        }
    }

    #[test]
    fn comma_lists_round_trip(values in proptest::collection::btree_set(0u32..100_000, 1..8)) {
        let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        let parsed = parse_list(&items.join(",")).unwrap();
        prop_assert_eq!(parsed, items);
    }

    #[test]
    fn ranges_are_inclusive(a in 0u32..500, len in 0u32..50) {
        let parsed = parse_list(&format!("{a}..{}", a + len)).unwrap();
        let expected: Vec<String> = (a..=a + len).map(|v| v.to_string()).collect();
        prop_assert_eq!(parsed, expected);
    }

    #[test]
    fn slo_expressions_never_panic(text in "\\PC{0,40}") {
        if let Err(e) = parse_slo(&text) {
            prop_assert!(e.contains("p95"), "{}", e);
        }
    }

    #[test]
    fn slo_expressions_round_trip(
        class in proptest::option::of("[a-z][a-z_]{0,10}"),
        figure in 0usize..3,
        millis in 1u32..100_000,
    ) {
        let limit = format_duration(millis as f64 / 1000.0);
        let name = ["p95", "p99", "mean"][figure];
        let text = match &class {
            Some(c) => format!("{c}:{name}<={limit}"),
            None => format!("{name}<={limit}"),
        };
        let slo = parse_slo(&text).unwrap();
        prop_assert_eq!(&slo.class, &class);
        let expected = millis as f64 / 1000.0;
        let got = match slo.slo {
            Slo::P95(l) if figure == 0 => l,
            Slo::P99(l) if figure == 1 => l,
            Slo::Mean(l) if figure == 2 => l,
            other => panic!("{text} parsed as {other:?}"),
        };
        prop_assert!((got - expected).abs() < 1e-12, "{} -> {}", text, got);
    }

    #[test]
    fn shards_never_panic_and_round_trip(text in "\\PC{0,12}", k in 1usize..50, extra in 0usize..50) {
        if let Err(e) = text.parse::<Shard>() {
            prop_assert!(e.contains("K/N"));
        }
        let n = k + extra;
        let s: Shard = format!("{k}/{n}").parse().unwrap();
        prop_assert_eq!((s.index, s.count), (k, n));
    }

    #[test]
    fn set_arguments_never_panic_and_round_trip(key in "[a-z_]{1,8}(\\.[a-z_]{1,8}){0,3}", value in "\\PC{0,20}", junk in "\\PC{0,30}") {
        let _ = junk.parse::<Override>();
        if let Ok(o) = format!("{key}={value}").parse::<Override>() {
            prop_assert_eq!(o.path, key);
            prop_assert_eq!(o.value.trim(), value.trim());
        }
    }
}
