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

use crate::common::temp_dir;
use o11sim::calibrate::{InputSpec, Machine, Observed, observe};
use o11sim::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};

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

// ---- `calibrate` inputs: samples written from the documented formats ----

fn fes() -> Vec<String> {
    vec!["main.1".into(), "main.2".into()]
}

fn write(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    path.to_path_buf()
}

fn write_gz(path: &Path, text: &str) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        flate2::Compression::fast(),
    );
    gz.write_all(text.as_bytes()).unwrap();
    gz.finish().unwrap();
    path.to_path_buf()
}

fn class<'a>(obs: &'a Observed, name: &str) -> &'a o11sim::calibrate::ClassObserved {
    obs.classes
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no class {name} in {:?}",
                obs.classes.iter().map(|c| &c.name).collect::<Vec<_>>()
            )
        })
}

fn usage(r: o11sim::error::Result<Observed>) -> String {
    match r {
        Err(e @ Error::Usage(_)) => {
            assert_eq!(e.exit_status(), 2);
            e.to_string()
        }
        Err(e) => panic!("not a usage error: {e}"),
        Ok(_) => panic!("accepted"),
    }
}

/// Microsoft's default W3C field list, then a mid-file `#Fields:` with
/// another order and `s-computername`; comments, a bad line, a bad status.
const IIS_FE1: &str = "#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2026-11-27 10:00:00
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
2026-11-27 10:00:05 10.0.0.4 POST /Orders/screenservices/Orders/MainFlow/List/DataActionGetOrders - 443 - 10.0.1.9 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) https://shop.example.com/Orders/List 200 0 0 120
2026-11-27 10:00:30 10.0.0.4 GET /Orders/scripts/OutSystems.js v=3 443 - 10.0.1.9 Mozilla/5.0 - 200 0 0 15
2026-11-27 10:01:10 10.0.0.4 GET /Billing/Invoice.aspx id=7 443 jdoe 10.0.1.9 Mozilla/5.0 - 500 0 0 2000
this line is broken
2026-11-27 10:01:20 10.0.0.4 GET /Billing/Invoice.aspx - 443 - 10.0.1.9 Mozilla/5.0 - abc 0 0 30
#Software: Microsoft Internet Information Services 10.0
#Fields: time date cs-uri-stem sc-status time-taken s-computername
10:02:00 2026-11-27 /CRM_API/rest/Customers/Get 503 10 FE2
10:59:59 2026-11-27 /Orders/moduleservices/moduleversioninfo 200 - FE1
";

/// Writes FE1's log as a file and FE2's as a directory holding a `.gz`.
fn iis_sample(dir: &Path) -> (PathBuf, PathBuf) {
    let a = write(&dir.join("FE1/u_ex261127.log"), IIS_FE1);
    write_gz(
        &dir.join("FE2/u_ex261127.log.gz"),
        "#Fields: date time cs-uri-stem sc-status time-taken\r\n2026-11-27 11:00:00 /Orders/Home 200 50\r\n",
    );
    (a, dir.join("FE2"))
}

#[test]
fn iis_logs_any_field_order_gz_and_bad_lines() {
    let dir = temp_dir("cal-iis");
    let (a, b) = iis_sample(&dir);
    let mut spec = InputSpec::new();
    spec.iis = vec![a.clone(), b];
    // Swapped on purpose: the mapping is by name, not by order.
    spec.servers = vec![
        ("FE1".into(), "main.2".into()),
        ("fe2".into(), "main.1".into()),
    ];
    let obs = observe(&spec, &fes(), &[], &[]).unwrap();
    let names: Vec<&str> = obs.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["orders", "static", "billing", "crm_api"]);
    let day = 20_784 * 86_400; // 2026-11-27
    assert_eq!(obs.origin, day + 10 * 3600);
    assert_eq!(obs.intervals, 61);
    assert_eq!(obs.interval, 60.0);
    let orders = class(&obs, "orders");
    assert_eq!(
        orders.completions[1][0], 1,
        "10:00:05 on main.2 (FE1's file)"
    );
    assert_eq!(
        orders.completions[1][59], 1,
        "10:59:59 on main.2 (s-computername FE1)"
    );
    assert_eq!(
        orders.completions[0][60], 1,
        "11:00:00 on main.1 (FE2's directory, gz)"
    );
    assert_eq!(orders.total(), 3);
    assert_eq!((orders.by_hour[10], orders.by_hour[11]), (2, 1));
    assert_eq!(
        orders.response.count(),
        2,
        "time-taken '-' is no response time"
    );
    assert!((orders.response_sum - 0.17).abs() < 1e-9);
    let billing = class(&obs, "billing");
    assert_eq!(billing.statuses.get(&500), Some(&1));
    assert_eq!(billing.response.count(), 0, "a 5xx is not a response time");
    let crm = class(&obs, "crm_api");
    assert_eq!(crm.statuses.get(&503), Some(&1));
    assert_eq!(crm.completions[0][2], 1, "s-computername FE2 is main.1");
    assert_eq!(class(&obs, "static").total(), 1);
    // Two malformed lines, reported by file and line.
    assert_eq!(obs.skipped.count, 2);
    let lines: Vec<(u64, &str)> = obs
        .skipped
        .first
        .iter()
        .map(|(p, l, w)| {
            assert_eq!(p, &a);
            (*l, w.as_str())
        })
        .collect();
    assert_eq!(lines[0].0, 8);
    assert!(
        lines[0].1.contains("fields where #Fields: declares 15"),
        "{}",
        lines[0].1
    );
    assert_eq!(lines[1].0, 9);
    assert!(lines[1].1.contains("sc-status"), "{}", lines[1].1);
    // Seconds covered: FE1's file from 10:00:05 to one mean gap between its
    // 5 requests (3594 s / 4 = 898.5 s) past 10:59:59; FE2's one request,
    // the second 11:00:00, lies within.
    assert_eq!(obs.hour_coverage[10], 3595.0);
    assert_eq!(obs.hour_coverage[11], 897.5);
    assert_eq!(obs.hour_coverage.iter().sum::<f64>(), 4492.5);
    assert_eq!(
        obs.window,
        (
            (day + 10 * 3600 + 5) as f64,
            (day + 11 * 3600) as f64 + 897.5
        )
    );
    assert_eq!(obs.sources.len(), 2);
    assert_eq!(
        (
            obs.sources[0].kind,
            obs.sources[0].used,
            obs.sources[0].skipped
        ),
        ("iis", 5, 2)
    );

    // --drop-static leaves the static class out; the rest is unchanged.
    spec.drop_static = true;
    let dropped = observe(&spec, &fes(), &[], &[]).unwrap();
    assert!(dropped.classes.iter().all(|c| c.name != "static"));
    assert_eq!(class(&dropped, "orders").total(), 3);
}

#[test]
fn iis_logs_map_by_order_without_server_names() {
    let dir = temp_dir("cal-order");
    let line = "#Fields: date time cs-uri-stem sc-status\n2026-11-27 10:00:05 /A/x 200\n";
    let a = write(&dir.join("a/x.log"), line);
    let b = write(&dir.join("b/y.log"), line);
    let mut spec = InputSpec::new();
    spec.iis = vec![a.clone(), b.clone()];
    let obs = observe(&spec, &fes(), &[], &[]).unwrap();
    assert_eq!(class(&obs, "a").completions[0][0], 1);
    assert_eq!(class(&obs, "a").completions[1][0], 1);
    spec.iis.push(a);
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(
        msg.contains("--server") && msg.contains("main.1, main.2"),
        "{msg}"
    );
}

#[test]
fn iis_log_with_no_usable_line_is_an_error() {
    let dir = temp_dir("cal-empty");
    let bad = write(
        &dir.join("u_ex1.log"),
        "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Fields: date time cs-uri-stem sc-status\n\n2026-11-27 10:00:05 /A/x\n",
    );
    let mut spec = InputSpec::new();
    spec.iis = vec![bad.clone()];
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(
        msg.contains("no usable IIS log line") && msg.contains("u_ex1.log:5:"),
        "{msg}"
    );
    // Directives only.
    write(
        &bad,
        "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time cs-uri-stem sc-status\n",
    );
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(msg.contains("no request line"), "{msg}");
    // A #Fields: without the needed fields names file and line.
    write(
        &bad,
        "#Version: 1.0\n#Fields: date time cs-method time-taken\n2026-11-27 10:00:05 GET 5\n",
    );
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(
        msg.contains("u_ex1.log:2:") && msg.contains("cs-uri-stem"),
        "{msg}"
    );
    // Lines before any #Fields: are skipped, not guessed.
    write(&bad, "2026-11-27 10:00:05 /A/x 200\n");
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(msg.contains("before any #Fields:"), "{msg}");
}

#[test]
fn class_rules_file_overrides_the_default() {
    let dir = temp_dir("cal-rules");
    let (a, b) = iis_sample(&dir);
    let rules = write(
        &dir.join("rules.toml"),
        "[[class]]\nname = \"invoices\"\nglob = [\"/billing/*.aspx\"]\n\n[[class]]\nname = \"never\"\nglob = [\"/nothing/**\"]\n\n[[class]]\nname = \"services\"\nregex = ['/(screen|module)services/']\n",
    );
    let mut spec = InputSpec::new();
    spec.iis = vec![a, b];
    spec.classes = Some(rules);
    let obs = observe(&spec, &fes(), &[], &[]).unwrap();
    let names: Vec<&str> = obs.classes.iter().map(|c| c.name.as_str()).collect();
    // Rules-file classes first in file order (one never matched: left out), then the default rule's.
    assert_eq!(
        names,
        ["invoices", "services", "static", "crm_api", "orders"]
    );
    assert_eq!(class(&obs, "services").total(), 2);
    assert_eq!(class(&obs, "orders").total(), 1);
    spec.classes = Some(write(
        &dir.join("bad.toml"),
        "[[class]]\nname = \"x y\"\nglob = [\"/a\"]\n",
    ));
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(msg.contains("bad.toml") && msg.contains("x y"), "{msg}");
}

/// 2026-11-27 02:00 Pacific Standard Time (bias 480 min): 10:00 UTC, in
/// seconds since 1970, the first timestamp of the counter logs below.
const TEN_UTC: f64 = (20_784 * 86_400 + 10 * 3600) as f64;

/// The sample IIS logs of FE1 and FE2 (mapped to main.2 and main.1) with
/// the counter log `csv`.
fn counters_spec(dir: &Path, csv: &Path) -> InputSpec {
    let (a, b) = iis_sample(dir);
    let mut spec = InputSpec::new();
    spec.iis = vec![a, b];
    spec.perfmon = vec![csv.to_path_buf()];
    spec.servers = vec![
        ("FE1".into(), "main.2".into()),
        ("FE2".into(), "main.1".into()),
    ];
    spec
}

const PERFMON: &str = r#""(PDH-CSV 4.0) (Pacific Standard Time)(480)","\\FE1\Processor(_Total)\% Processor Time","\\FE1\Memory\Available MBytes","\\SQL01\Processor(_Total)\% Processor Time"
"11/27/2026 02:00:00.000","35.5","2048","10"
"11/27/2026 02:00:15.000"," ","2048",""
"11/27/2026 02:00:30.000","40","2048","12.5"
"garbage","1","2","3"
"#;

#[test]
fn performance_counters_with_bias_and_empty_samples() {
    let dir = temp_dir("cal-perfmon");
    let csv = write(&dir.join("counters.csv"), PERFMON);
    let mut spec = counters_spec(&dir, &csv);
    let dbs = vec!["db".to_string()];
    let obs = observe(&spec, &fes(), &[], &dbs).unwrap();
    let ten = TEN_UTC;
    let fe1 = obs.cpu.iter().find(|s| s.host == "FE1").unwrap();
    assert_eq!(fe1.machine, Machine::FrontEnd(1));
    assert_eq!(fe1.samples, vec![(ten, 35.5), (ten + 30.0, 40.0)]);
    // The one unmapped server is the one database.
    let sql = obs.cpu.iter().find(|s| s.host == "SQL01").unwrap();
    assert_eq!(sql.machine, Machine::Database("db".into()));
    assert_eq!(sql.samples, vec![(ten, 10.0), (ten + 30.0, 12.5)]);
    assert_eq!(obs.skipped.count, 3, "two IIS lines and the garbage row");
    assert!(
        obs.skipped
            .first
            .iter()
            .any(|(p, l, _)| p == &csv && *l == 5)
    );
    let src = obs.sources.iter().find(|s| s.kind == "perfmon").unwrap();
    assert_eq!((src.used, src.first, src.last), (2, ten, ten + 30.0));

    // FE1 also maps by the name its IIS log was known by (its directory).
    spec.servers.clear();
    let obs = observe(&spec, &fes(), &[], &dbs).unwrap();
    let fe1 = obs.cpu.iter().find(|s| s.host == "FE1").unwrap();
    assert_eq!(
        fe1.machine,
        Machine::FrontEnd(0),
        "FE1's log was the first, main.1"
    );

    // With two databases the heuristic does not guess.
    let msg = usage(observe(&spec, &fes(), &[], &["db1".into(), "db2".into()]));
    assert!(msg.contains("SQL01") && msg.contains("--server"), "{msg}");
    spec.servers = vec![("SQL01".into(), "db2".into())];
    let obs = observe(&spec, &fes(), &[], &["db1".into(), "db2".into()]).unwrap();
    assert_eq!(
        obs.cpu.iter().find(|s| s.host == "SQL01").unwrap().machine,
        Machine::Database("db2".into())
    );

    // Not a PDH-CSV file; no CPU counter.
    spec.servers.clear();
    spec.perfmon = vec![write(&dir.join("x.csv"), "\"time\",\"cpu\"\n")];
    assert!(usage(observe(&spec, &fes(), &[], &dbs)).contains("PDH-CSV"));
    spec.perfmon = vec![write(
        &dir.join("y.csv"),
        "\"(PDH-CSV 4.0) (UTC)(0)\",\"\\\\FE1\\Memory\\Available MBytes\"\n",
    )];
    assert!(usage(observe(&spec, &fes(), &[], &dbs)).contains("% Processor Time"));
}

/// Newer Performance Monitor collector sets log `Processor
/// Information(_Total)` rather than `Processor(_Total)`: such a log was
/// refused ("no \\SERVER\Processor(_Total)\% Processor Time counter").
/// It is read for a server the file has no `Processor(_Total)` of; a
/// server with both is read from `Processor(_Total)` alone, never twice,
/// and a NUMA node's instance (`0,_Total`) is not the machine.
#[test]
fn processor_information_counters_are_read_when_processor_is_missing() {
    let dir = temp_dir("cal-perfmon-info");
    let csv = write(
        &dir.join("collector.csv"),
        r#""(PDH-CSV 4.0) (Pacific Standard Time)(480)","\\FE1\Processor Information(_Total)\% Processor Time","\\FE1\Processor Information(0,_Total)\% Processor Time","\\SQL01\Processor Information(_Total)\% Processor Time","\\SQL01\Processor(_Total)\% Processor Time"
"11/27/2026 02:00:00.000","35.5","70","99","10"
"11/27/2026 02:00:30.000","40","80","98","12.5"
"#,
    );
    let mut spec = counters_spec(&dir, &csv);
    let dbs = vec!["db".to_string()];
    let obs = observe(&spec, &fes(), &[], &dbs).unwrap();
    let ten = TEN_UTC;
    let fe1 = obs.cpu.iter().find(|s| s.host == "FE1").unwrap();
    assert_eq!(fe1.machine, Machine::FrontEnd(1));
    assert_eq!(fe1.samples, vec![(ten, 35.5), (ten + 30.0, 40.0)]);
    let sql = obs.cpu.iter().find(|s| s.host == "SQL01").unwrap();
    assert_eq!(sql.machine, Machine::Database("db".into()));
    assert_eq!(sql.samples, vec![(ten, 10.0), (ten + 30.0, 12.5)]);
    // A file with neither names both in its refusal.
    spec.perfmon = vec![write(
        &dir.join("none.csv"),
        "\"(PDH-CSV 4.0) (UTC)(0)\",\"\\\\FE1\\Processor Information(0,_Total)\\% Processor Time\"\n",
    )];
    let msg = usage(observe(&spec, &fes(), &[], &dbs));
    assert!(msg.contains("Processor Information(_Total)"), "{msg}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A counter log none of whose rows can be read was refused with "every
/// value empty or unreadable", though its values were fine and its
/// timestamps were in another layout (a day-first locale's): the message
/// named no line and no cell, and the skipped rows are not printed when
/// the command fails. It now says how many rows were skipped and quotes
/// the first ones by line; an unreadable value names its column.
#[test]
fn counters_that_cannot_be_read_say_which_cell_and_why() {
    let dir = temp_dir("cal-perfmon-unreadable");
    let (a, b) = iis_sample(&dir);
    let mut spec = InputSpec::new();
    spec.iis = vec![a, b];
    let day_first = PERFMON
        .replace("\"11/27/2026", "\"27/11/2026")
        .replace("\"garbage\",\"1\",\"2\",\"3\"\n", "");
    let csv = write(&dir.join("day-first.csv"), &day_first);
    spec.perfmon = vec![csv];
    let msg = usage(observe(&spec, &fes(), &[], &["db".into()]));
    for want in [
        "day-first.csv: no % Processor Time sample",
        "3 row(s) could not be read",
        "day-first.csv:2: timestamp \"27/11/2026 02:00:00.000\" is not MM/DD/YYYY HH:MM:SS.mmm",
        "day-first.csv:3:",
    ] {
        assert!(msg.contains(want), "{want:?} not in {msg}");
    }
    assert!(!msg.contains("every value empty"), "{msg}");

    // A value that is not a number names its row, its column and itself.
    let csv = write(
        &dir.join("comma.csv"),
        &PERFMON.replace("\"40\"", "\"40,5\""),
    );
    spec.perfmon = vec![csv.clone()];
    let obs = observe(&spec, &fes(), &[], &["db".into()]).unwrap();
    let (_, line, why) = obs
        .skipped
        .first
        .iter()
        .find(|(p, _, _)| p == &csv)
        .unwrap();
    assert_eq!(*line, 4);
    assert!(
        why.contains("column 2 (\\\\FE1\\Processor(_Total)\\% Processor Time)")
            && why.contains("\"40,5\" is not a number"),
        "{why}"
    );
}

const JTL: &str = r#"timeStamp,elapsed,label,responseCode,responseMessage,threadName,dataType,success,failureMessage,bytes,sentBytes,grpThreads,allThreads,URL,Latency,IdleTime,Connect
1795780800000,200,Home Page,200,OK,Users 1-1,text,true,,1000,100,2,2,https://shop.example.com/Home,150,0,20
1795780800100,300,Login,200,OK,Users 1-2,text,true,,1000,100,2,2,https://shop.example.com/Login,150,0,20
1795780801200,100,Login,200,OK,Users 1-1,text,true,,1000,100,2,2,https://shop.example.com/Login,150,0,20
1795780801300,300,Checkout,200,"Number of samples in transaction : 2, number of failing samples : 0",Users 1-1,,true,,0,0,2,2,null,0,0,0
1795780801400,400,Home Page,Non HTTP response code: java.net.SocketTimeoutException,Non HTTP response message: Read timed out,Users 1-2,text,false,Read timed out,0,0,2,2,https://shop.example.com/Home,0,0,0
2026/11/27 12:00:02,100,Login,200,OK,Users 1-1,text,true,,1000,100,2,2,https://shop.example.com/Login,150,0,20
"#;

#[test]
fn jmeter_results_give_classes_and_a_closed_population() {
    let dir = temp_dir("cal-jmeter");
    let jtl = write(&dir.join("results.jtl"), JTL);
    let mut spec = InputSpec::new();
    spec.jmeter = vec![jtl.clone()];
    let obs = observe(&spec, &fes(), &[], &[]).unwrap();
    let names: Vec<&str> = obs.classes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["Home_Page", "Login"],
        "the transaction controller's sample is left out"
    );
    let home = class(&obs, "Home_Page");
    assert_eq!(home.statuses.get(&200), Some(&1));
    assert_eq!(home.statuses.get(&500), Some(&1), "a Non HTTP failure");
    assert_eq!(home.response.count(), 1);
    // Round robin over the front-ends in file order: samples 1, 3 on main.1; 2, 4 on main.2.
    assert_eq!(home.completions[0].iter().sum::<u32>(), 1);
    assert_eq!(home.completions[1].iter().sum::<u32>(), 1);
    // Thread 1-1: Home 0-200, Login 1200-1300 (think 1000 ms); thread 1-2:
    // Login 100-400, Home 1400-1800 (think 1000 ms). Test: 0-1800 ms.
    // Home owns 200 + (1000 + 400) ms, Login 300 + (1000 + 100) ms.
    let p = home.population.unwrap();
    assert!(
        (p.think - 1.0).abs() < 1e-12 && (p.users - 1600.0 / 1800.0).abs() < 1e-12,
        "{p:?}"
    );
    let p = class(&obs, "Login").population.unwrap();
    assert!(
        (p.think - 1.0).abs() < 1e-12 && (p.users - 1400.0 / 1800.0).abs() < 1e-12,
        "{p:?}"
    );
    assert_eq!(obs.skipped.count, 1);
    assert_eq!(obs.skipped.first[0].1, 7);
    assert!(obs.skipped.first[0].2.contains("timeStamp"));
    assert_eq!(obs.origin, 1_795_780_800);

    // Not with --iis; not without a header.
    let (a, _) = iis_sample(&dir);
    spec.iis = vec![a];
    assert!(usage(observe(&spec, &fes(), &[], &[])).contains("not both"));
    spec.iis.clear();
    spec.jmeter = vec![write(
        &dir.join("nohead.jtl"),
        "1795780800000,200,Home,200\n",
    )];
    assert!(usage(observe(&spec, &fes(), &[], &[])).contains("timeStamp, elapsed and label"));
}

/// JMeter before 5.5 writes an HTTP request that failed with an exception
/// before it started with timeStamp 0 (1970-01-01) and an elapsed time up to
/// its failure. Read as a time, that one row stretched the test back to
/// 1970: the origin, the window and every rate and population went to
/// nothing. It is skipped, named by its line.
#[test]
fn a_jmeter_sample_stamped_1970_is_skipped_not_read_as_the_start_of_the_test() {
    let dir = temp_dir("cal-jmeter-zero");
    let mut text = JTL.lines().take(4).collect::<Vec<_>>().join("\n");
    text.push_str("\n0,1795780801500,Login,Non HTTP response code: java.net.UnknownHostException,Non HTTP response message: shop.example.com,Users 1-2,text,false,,0,0,2,2,https://shop.example.com/Login,0,0,0\n");
    let jtl = write(&dir.join("old-jmeter.jtl"), &text);
    let mut spec = InputSpec::new();
    spec.jmeter = vec![jtl.clone()];
    let obs = observe(&spec, &fes(), &[], &[]).unwrap();
    assert_eq!(
        obs.origin, 1_795_780_800,
        "the test starts at its first real sample"
    );
    assert_eq!(obs.window, (1_795_780_800.0, 1_795_780_801.3));
    let login = class(&obs, "Login");
    assert_eq!(login.total(), 2, "the 1970 row is not a request");
    let p = login.population.unwrap();
    // Thread 1-2's Login (100-400 ms) and thread 1-1's (1000 ms of think
    // and 1200-1300) over the test's 1300 ms, not over 56 years.
    assert!((p.users - 1400.0 / 1300.0).abs() < 1e-12, "{p:?}");
    assert!((p.response - 0.2).abs() < 1e-12, "{p:?}");
    assert_eq!(obs.skipped.count, 1);
    let (path, line, why) = &obs.skipped.first[0];
    assert_eq!((path, *line), (&jtl, 5));
    assert!(
        why.contains("timeStamp is 0") && why.contains("5.5"),
        "{why}"
    );
}

/// Windows tools write a UTF-8 byte-order mark and `\r\n` line ends: the
/// three readers read past the mark, name bad rows by their true line, and
/// skip a row whose cells do not match the header instead of reading its
/// values from the wrong columns.
#[test]
fn byte_order_marks_crlf_line_ends_and_short_or_long_rows() {
    let dir = temp_dir("cal-windows");
    let windows = |text: &str| format!("\u{feff}{}", text.replace('\n', "\r\n"));
    let counts = |obs: &Observed, path: &Path| -> Vec<(u64, String)> {
        obs.skipped
            .first
            .iter()
            .filter(|(p, _, _)| p == path)
            .map(|(_, l, why)| (*l, why.clone()))
            .collect()
    };
    // IIS: the mark right before #Fields.
    let mut spec = InputSpec::new();
    spec.iis = vec![write(&dir.join("FE1/u_ex261127.log"), &windows(IIS_FE1))];
    let plain = {
        let mut s = InputSpec::new();
        s.iis = vec![write(&dir.join("plain/u_ex261127.log"), IIS_FE1)];
        observe(&s, &fes(), &[], &[]).unwrap()
    };
    let obs = observe(&spec, &fes(), &[], &[]).unwrap();
    assert_eq!(obs.skipped.count, plain.skipped.count);
    let lines = |o: &Observed| o.skipped.first.iter().map(|f| f.1).collect::<Vec<_>>();
    assert_eq!(lines(&obs), lines(&plain));

    // Performance counters: a row with an extra cell (line 3), one with a
    // bad timestamp (line 5).
    let (a, b) = iis_sample(&dir);
    let mut rows: Vec<&str> = PERFMON.lines().collect();
    rows.insert(2, r#""11/27/2026 02:00:20.000","50","2048","10","99""#);
    let text = rows.join("\n") + "\n";
    spec.iis = vec![a, b];
    spec.servers = vec![
        ("FE1".into(), "main.2".into()),
        ("FE2".into(), "main.1".into()),
    ];
    let dbs = vec!["db".to_string()];
    for (name, text) in [("lf.csv", text.clone()), ("crlf.csv", windows(&text))] {
        let csv = write(&dir.join(name), &text);
        spec.perfmon = vec![csv.clone()];
        let obs = observe(&spec, &fes(), &[], &dbs).unwrap();
        let got = counts(&obs, &csv);
        assert_eq!(got.len(), 2, "{name}: {got:?}");
        assert_eq!(got[0].0, 3, "{name}: {got:?}");
        assert!(
            got[0].1.contains("5 cells where the header has 4"),
            "{got:?}"
        );
        assert_eq!(got[1].0, 6, "{name}: {got:?}");
        let fe1 = obs.cpu.iter().find(|s| s.host == "FE1").unwrap();
        assert_eq!(fe1.samples.len(), 2, "{name}: the long row is not read");
    }

    // JMeter: a short row (line 3); the bad timestamp is on line 8.
    let mut rows: Vec<&str> = JTL.lines().collect();
    rows.insert(2, "1795780800050,200,Home Page");
    let text = rows.join("\n") + "\n";
    spec = InputSpec::new();
    for (name, text) in [("lf.jtl", text.clone()), ("crlf.jtl", windows(&text))] {
        let jtl = write(&dir.join(name), &text);
        spec.jmeter = vec![jtl.clone()];
        let obs = observe(&spec, &fes(), &[], &[]).unwrap();
        let got = counts(&obs, &jtl);
        assert_eq!(
            got.iter().map(|g| g.0).collect::<Vec<_>>(),
            [3, 8],
            "{name}: {got:?}"
        );
        assert!(
            got[0].1.contains("3 cells where the header has 17"),
            "{got:?}"
        );
        assert_eq!(class(&obs, "Home_Page").statuses.get(&200), Some(&1));
    }
}

/// In a file with `\r\n` line ends (typeperf's, and JMeter's on Windows)
/// a bad first row, right under the header, was named as line 1, the
/// header's, in both CSV readers. It is line 2.
#[test]
fn a_bad_first_row_of_a_crlf_csv_is_named_by_its_own_line() {
    let dir = temp_dir("cal-crlf-first-row");
    let crlf = |text: &str| text.replace('\n', "\r\n");
    let (a, b) = iis_sample(&dir);
    let mut rows: Vec<&str> = PERFMON.lines().collect();
    rows[1] = r#""2026-11-27 02:00:00","35.5","2048","10""#;
    let counters = rows.join("\n") + "\n";
    let mut rows: Vec<&str> = JTL.lines().collect();
    rows[1] = "2026/11/27 12:00:00,200,Home Page,200,OK,Users 1-1,text,true,,1000,100,2,2,https://shop.example.com/Home,150,0,20";
    let jtl = rows.join("\n") + "\n";
    for (name, text) in [("lf", counters.clone()), ("crlf", crlf(&counters))] {
        let csv = write(&dir.join(format!("{name}.csv")), &text);
        let mut spec = InputSpec::new();
        spec.iis = vec![a.clone(), b.clone()];
        spec.perfmon = vec![csv.clone()];
        let obs = observe(&spec, &fes(), &[], &["db".into()]).unwrap();
        let first = obs
            .skipped
            .first
            .iter()
            .find(|(p, _, _)| p == &csv)
            .unwrap();
        assert_eq!(first.1, 2, "{name}: {first:?}");
    }
    for (name, text) in [("lf", jtl.clone()), ("crlf", crlf(&jtl))] {
        let path = write(&dir.join(format!("{name}.jtl")), &text);
        let mut spec = InputSpec::new();
        spec.jmeter = vec![path.clone()];
        let obs = observe(&spec, &fes(), &[], &[]).unwrap();
        let lines: Vec<u64> = obs.skipped.first.iter().map(|f| f.1).collect();
        assert_eq!(lines, [2, 7], "{name}: {:?}", obs.skipped.first);
    }
}

/// A file saved as UTF-16 (Windows PowerShell 5's `typeperf ... > x.csv`)
/// was misread byte by byte, and each reader blamed something else: the IIS
/// reader "a request line before any #Fields: directive" on every line, the
/// JMeter reader a header without print_field_names, the counter reader a
/// first cell of NUL bytes. Each now says the file is UTF-16, by name.
#[test]
fn utf16_files_are_named_as_such() {
    let dir = temp_dir("cal-utf16");
    let utf16 = |path: &Path, text: &str, big_endian: bool| {
        let mut bytes: Vec<u8> = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        path.to_path_buf()
    };
    let (a, b) = iis_sample(&dir);
    let mut spec = InputSpec::new();
    spec.iis = vec![utf16(&dir.join("FE9/u_ex261127.log"), IIS_FE1, false)];
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(msg.contains("u_ex261127.log: the file is UTF-16"), "{msg}");

    spec.iis = vec![a, b];
    spec.perfmon = vec![utf16(&dir.join("counters.csv"), PERFMON, true)];
    let msg = usage(observe(&spec, &fes(), &[], &["db".into()]));
    assert!(msg.contains("counters.csv: the file is UTF-16"), "{msg}");

    let mut spec = InputSpec::new();
    spec.jmeter = vec![utf16(&dir.join("results.jtl"), JTL, false)];
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(
        msg.contains("results.jtl: the file is UTF-16") && !msg.contains("print_field_names"),
        "{msg}"
    );
}

/// Only the first ten skipped lines of the whole run are kept for the
/// report; a log none of whose lines could be read is an error that quoted
/// its own from those ten. When earlier files had filled them, the error
/// said "(see the skipped lines)" and showed none: the run stops there, so
/// they are never printed. Each file now keeps its own first few for its
/// error, in the three readers.
#[test]
fn an_unreadable_file_after_noisy_ones_still_says_why() {
    let dir = temp_dir("cal-noisy");
    let noise = |text: &str| {
        let mut t = text.to_owned();
        for k in 0..12 {
            t.push_str(&format!("garbage {k}\n"));
        }
        t
    };
    // IIS: FE1 usable with 12 bad lines; FE2 with none usable.
    let fe1 = write(&dir.join("FE1/u_ex261127.log"), &noise(IIS_FE1));
    write(
        &dir.join("FE2/u_ex261127.log"),
        "#Fields: date time cs-uri-stem sc-status time-taken\n2026-11-27 10:00:00 /Orders/x 200 12 extra\n",
    );
    let mut spec = InputSpec::new();
    spec.iis = vec![fe1, dir.join("FE2")];
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(
        msg.contains("u_ex261127.log:2: 6 fields where #Fields: declares 5"),
        "{msg}"
    );
    // JMeter: the same with two result files.
    let mut jtl = JTL.to_owned();
    for k in 0..12 {
        jtl.push_str(&format!(
            "x{k},1,Home,200,OK,Users 1-1,text,true,,1,1,1,1,u,1,0,0\n"
        ));
    }
    let a = write(&dir.join("a.jtl"), &jtl);
    let b = write(
        &dir.join("b.jtl"),
        &(JTL.lines().next().unwrap().to_owned()
            + "\n1795780800000,abc,Home,200,OK,Users 1-1,text,true,,1,1,1,1,u,1,0,0\n"),
    );
    let mut spec = InputSpec::new();
    spec.jmeter = vec![a, b];
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(msg.contains("b.jtl:2: elapsed is not a number"), "{msg}");
    // Counters: a noisy file, then one whose timestamps cannot be read.
    let (fe1, fe2) = iis_sample(&dir);
    let noisy = write(&dir.join("noisy.csv"), &noise(PERFMON));
    let bad = write(
        &dir.join("bad.csv"),
        &PERFMON.replace("\"11/27/2026", "\"2026-11-27"),
    );
    let mut spec = InputSpec::new();
    spec.iis = vec![fe1, fe2];
    spec.perfmon = vec![noisy, bad];
    let msg = usage(observe(&spec, &fes(), &[], &["db".into()]));
    assert!(msg.contains("bad.csv:2: timestamp"), "{msg}");
}

#[test]
fn calibrate_input_arguments_are_checked() {
    let dir = temp_dir("cal-args");
    let (a, _) = iis_sample(&dir);
    let mut spec = InputSpec::new();
    assert!(usage(observe(&spec, &fes(), &[], &[])).contains("--iis"));
    spec.iis = vec![a];
    spec.interval = 0.5;
    assert!(usage(observe(&spec, &fes(), &[], &[])).contains("--interval"));
    spec.interval = 60.0;
    spec.servers = vec![("FE1".into(), "main.9".into())];
    let msg = usage(observe(&spec, &fes(), &[], &["db".into()]));
    assert!(
        msg.contains("main.9") && msg.contains("main.1, main.2") && msg.contains("db"),
        "{msg}"
    );
    spec.servers = vec![("FE1".into(), "db".into())];
    assert!(usage(observe(&spec, &fes(), &[], &["db".into()])).contains("front-end"));
    spec.servers.clear();
    spec.iis = vec![dir.join("missing.log")];
    assert!(usage(observe(&spec, &fes(), &[], &[])).contains("missing.log"));
}

#[test]
fn a_log_placed_by_position_on_a_front_end_another_log_is_mapped_to_is_refused() {
    let dir = temp_dir("cal-shared-fe");
    let (fe1, fe2) = iis_sample(&dir);
    let mut spec = InputSpec::new();
    // FE2 first and unmapped: by position it would be main.1, which
    // --server gives FE1's log too; main.2 would get nothing.
    spec.iis = vec![fe2.clone(), fe1.clone()];
    spec.servers = vec![("FE1".into(), "main.1".into())];
    let msg = usage(observe(&spec, &fes(), &[], &[]));
    assert!(
        msg.contains("FE2") && msg.contains("main.1") && msg.contains("--server"),
        "{msg}"
    );
    // Every log mapped: accepted, each on its own front-end.
    spec.servers.push(("FE2".into(), "main.2".into()));
    let obs = observe(&spec, &fes(), &[], &[]).unwrap();
    assert!(
        obs.classes
            .iter()
            .any(|c| c.completions[1].iter().any(|&n| n > 0))
    );
    // Two logs mapped to the same front-end (two days of one machine) are
    // fine, and so is placing every log by position.
    spec.servers = vec![("FE1".into(), "main.1".into())];
    spec.iis = vec![fe1.clone(), fe1.clone()];
    assert!(observe(&spec, &fes(), &[], &[]).is_ok());
    spec.servers.clear();
    spec.iis = vec![fe2, fe1];
    assert!(observe(&spec, &fes(), &[], &[]).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the lines, the IIS reader answers (observations or a usage
    /// error) and never panics.
    #[test]
    fn iis_lines_never_panic(lines in proptest::collection::vec("[ -~]{0,60}", 0..8)) {
        let dir = temp_dir("cal-prop");
        let mut text = String::from("#Fields: date time cs-uri-stem sc-status time-taken\n2026-11-27 10:00:05 /A/x 200 5\n");
        for l in &lines {
            text.push_str(l);
            text.push('\n');
        }
        let mut spec = InputSpec::new();
        spec.iis = vec![write(&dir.join("p.log"), &text)];
        match observe(&spec, &fes(), &[], &[]) {
            Ok(obs) => prop_assert!(obs.classes.iter().map(|c| c.total()).sum::<u64>() >= 1),
            Err(e) => prop_assert!(matches!(e, Error::Usage(_)), "{}", e),
        }
    }
}

/// Speed and memory of the IIS reader on a generated 1 GB log (one core):
/// `cargo test --test integration iis_gigabyte -- --ignored --nocapture`.
/// Prints MB/s of `observe` and the process's peak resident memory.
/// Writes the log under the temporary directory and deletes it after.
/// `O11SIM_IIS_BYTES` sets the (uncompressed) size; `O11SIM_IIS_GZ=1`
/// writes it gzip-compressed (MB/s then counts uncompressed bytes).
#[test]
#[ignore = "writes and reads a 1 GB file; run by hand to measure"]
fn iis_gigabyte_log_throughput_and_memory() {
    use std::time::Instant;
    let size: u64 = std::env::var("O11SIM_IIS_BYTES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1 << 30);
    let dir = temp_dir("cal-gigabyte");
    let gz = std::env::var("O11SIM_IIS_GZ").is_ok_and(|v| v == "1");
    let path = dir.join(if gz {
        "u_ex261127.log.gz"
    } else {
        "u_ex261127.log"
    });
    let started = Instant::now();
    let written = {
        let file =
            std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
        let mut w: Box<dyn Write> = if gz {
            Box::new(flate2::write::GzEncoder::new(
                file,
                flate2::Compression::fast(),
            ))
        } else {
            Box::new(file)
        };
        writeln!(w, "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: 2026-11-27 00:00:00").unwrap();
        writeln!(w, "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken").unwrap();
        let modules = [
            "Orders",
            "Billing",
            "CRM_API",
            "HR",
            "Portal",
            "Reports",
            "Inventory",
            "Auth",
        ];
        let kinds = [
            "/screenservices/{m}/MainFlow/List/DataActionGetItems",
            "/moduleservices/moduleversioninfo",
            "/rest/Items/Get",
            "/Service.asmx",
            "/Home.aspx",
            "/scripts/OutSystems.js",
            "/img/logo.png",
        ];
        let statuses = [200, 200, 200, 200, 304, 200, 200, 404, 200, 503, 200, 500];
        let mut written = 0u64;
        let mut k = 0u64;
        let mut line = String::with_capacity(512);
        while written < size {
            use std::fmt::Write as _;
            let secs = (k / 50) % 86_400; // 50 requests a second, wrapping over one day
            let m = modules[(k % 7 + k / 13) as usize % modules.len()];
            let kind = kinds[(k % 11) as usize % kinds.len()].replace("{m}", m);
            line.clear();
            writeln!(
                line,
                "2026-11-27 {:02}:{:02}:{:02} 10.0.0.4 POST /{m}{kind} id={k} 443 - 10.0.{}.{} Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64)+AppleWebKit/537.36+(KHTML,+like+Gecko)+Chrome/120.0 https://shop.example.com/{m}/Home {} 0 0 {}",
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                k % 200,
                k % 250,
                statuses[(k % 12) as usize],
                20 + k % 977
            )
            .unwrap();
            w.write_all(line.as_bytes()).unwrap();
            written += line.len() as u64;
            k += 1;
        }
        w.flush().unwrap();
        drop(w);
        eprintln!(
            "generated {k} lines, {written} bytes ({} on disk) in {:.1} s",
            std::fs::metadata(&path).unwrap().len(),
            started.elapsed().as_secs_f64()
        );
        written
    };
    let bytes = written as f64;
    let mut spec = InputSpec::new();
    spec.iis = vec![path.clone()];
    // CPU time of this thread (user + system, clock ticks of 1/100 s), so
    // that other work on a shared machine does not count.
    let cpu = || -> f64 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
        let after = stat.rsplit(')').next().unwrap_or("");
        let f: Vec<f64> = after
            .split_whitespace()
            .map(|x| x.parse().unwrap_or(0.0))
            .collect();
        f.get(11)
            .zip(f.get(12))
            .map_or(f64::NAN, |(u, s)| (u + s) / 100.0)
    };
    let cpu0 = cpu();
    let started = Instant::now();
    let obs = observe(&spec, &fes(), &[], &[]).unwrap();
    let secs = started.elapsed().as_secs_f64();
    let cpu_secs = cpu() - cpu0;
    let lines: u64 = obs.classes.iter().map(|c| c.total()).sum();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .unwrap_or("VmHWM: unknown");
    eprintln!(
        "observe: {:.0} MB in {secs:.2} s = {:.0} MB/s ({cpu_secs:.2} s of CPU = {:.0} MB/s on one core), {lines} requests in {} classes, {} intervals; peak resident memory {peak}",
        bytes / 1e6,
        bytes / 1e6 / secs,
        bytes / 1e6 / cpu_secs,
        obs.classes.len(),
        obs.intervals
    );
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(obs.skipped.count, 0);
    assert!(lines > 0);
}
