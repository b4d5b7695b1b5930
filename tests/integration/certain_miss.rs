//! `size` stops a replication once a figure an objective judges (share
//! rejected, error rate, percentile, mean) is certain to end above its
//! limit. These tests hold the rule
//! to its word: every stopped replication, run again to its end, does end
//! above the limit and above the bound it stopped on; a replication the
//! rule did not stop is the same as one run without it; a candidate whose
//! replications did not all stop is judged on full runs; and `size`
//! reports a stopped candidate in every output while giving the same
//! answer as `--run-misses-to-end`.

use serde_json::Value;

use crate::common::{o11sim, temp_dir};
use crate::verdicts::LOSS;
use o11sim::engine::StreamSeeds;
use o11sim::experiment::precision::{BatchJob, Watch};
use o11sim::experiment::summary::{REJECTION_LIMIT, ReplicationFigures};
use o11sim::experiment::{Silent, run_batches};
use o11sim::model::Model;
use o11sim::model::sim::{
    MissFigure, MissLimit, MissRule, RunResult, simulate, simulate_reporting,
};
use o11sim::model::spec::Slo;
use o11sim::scenario::{Override, load_str};

/// `verdicts::LOSS`, M/M/5/5 on the IIS workers (5 workers, no IIS
/// queue, each request holding its worker for an exponential 1 s external
/// call), with `rate` Erlang offered for `duration`.
fn loss_text(rate: &str, duration: &str) -> String {
    let text = LOSS.replace("rate = 4\n", &format!("{rate}\n")).replace(
        "duration = \"2000s\"",
        &format!("duration = \"{duration}\""),
    );
    assert!(text.contains(duration) && text.contains(rate), "{text}");
    text
}

fn loss(rate: f64, duration: &str) -> Model {
    let text = loss_text(&format!("rate = {rate}"), duration);
    load_str("loss.toml", &text, &[] as &[Override])
        .unwrap_or_else(|e| panic!("{e}"))
        .model
}

/// `size`'s limit on the share rejected (latency objectives without an
/// errors one), on the loss system's only class.
const REJECTED: MissLimit = MissLimit {
    class: 0,
    figure: MissFigure::Rejected,
    limit: REJECTION_LIMIT,
};

/// The figure the rule bounds, as a run ended: the value its bound is a
/// lower bound of, and whether the figure is above the limit.
fn ended(r: &RunResult, limit: MissLimit) -> (f64, bool) {
    let c = &r.classes[limit.class];
    let o = &c.outcomes;
    match limit.figure {
        MissFigure::Rejected | MissFigure::Errors => {
            let bad = match limit.figure {
                MissFigure::Rejected => o.rejected,
                _ => o.rejected + o.timed_out + o.failed,
            };
            let share = bad as f64 / o.finished() as f64;
            (share, share > limit.limit)
        }
        MissFigure::Quantile(q) => (
            c.hist.count_above(limit.limit) as f64 / c.hist.count() as f64,
            c.hist.quantile(q) > limit.limit,
        ),
        MissFigure::Mean => (c.response.mean(), c.response.mean() > limit.limit),
    }
}

/// Runs `reps` replications with the rule and without; checks every
/// stopped one against its full run and every other one for equality.
/// Returns (stopped, mean fraction of the measured time simulated by the
/// stopped ones).
fn hold_to_its_word(model: &Model, limit: MissLimit, reps: u64) -> (usize, f64) {
    let rule = MissRule::new(model, [limit]).expect("an open class");
    let never = std::sync::atomic::AtomicBool::new(false);
    let (mut stopped, mut fraction) = (0, 0.0);
    for k in 0..reps {
        let seeds = StreamSeeds::new(20261128, k);
        let ruled = simulate_reporting(model, seeds, &never, &mut |_| {}, Some(&rule)).unwrap();
        let full = simulate(model, seeds);
        let (final_value, missed) = ended(&full, limit);
        match ruled.stopped_early {
            Some(s) => {
                stopped += 1;
                fraction += s.measured / model.duration;
                assert!(s.measured < model.duration, "{s:?}");
                assert!(
                    missed,
                    "replication {k} stopped at {s:?} but ended at {final_value}"
                );
                assert!(
                    s.bound <= final_value,
                    "replication {k}: bound {} above the final value {final_value}",
                    s.bound
                );
                // The stopped run's own figures already show the miss.
                let (value, missed) = ended(&ruled, limit);
                assert!(missed && value >= s.bound, "{value} {s:?}");
                assert_eq!(ruled.measured_time, s.measured);
                assert!(ruled.timeline.is_none());
            }
            // Debug text: an external system without a limit has a NaN
            // utilization, never equal to itself.
            None => assert_eq!(
                format!("{:?}", ReplicationFigures::from(&ruled)),
                format!("{:?}", ReplicationFigures::from(&full)),
                "replication {k}: a rule that did not fire changed the run"
            ),
        }
    }
    (stopped, fraction / stopped.max(1) as f64)
}

#[test]
fn a_stopped_replication_would_have_ended_above_the_limit() {
    // 20 Erlang on 5 workers: Erlang B blocks 76 %; every replication
    // stops, early.
    let over = loss(20.0, "2000s");
    let (stopped, fraction) = hold_to_its_word(&over, REJECTED, 10);
    println!("76 % blocking: {stopped}/10 stopped after {fraction:.3} of the run");
    assert_eq!(stopped, 10);
    assert!(fraction < 0.15, "{fraction}");
    // 2.3 Erlang: Erlang B 5.5 %, just above the limit. Over 20,000 s
    // (about 15 looks at the rule) most replications end far enough above
    // 5 % to stop near their end; the others must run to it.
    let near = loss(2.3, "20000s");
    let (stopped, fraction) = hold_to_its_word(&near, REJECTED, 30);
    println!("5.5 % blocking: {stopped}/30 stopped after {fraction:.3} of the run");
    assert!(stopped > 0 && stopped < 30, "{stopped} of 30 stopped");
    // The errors share of an errors objective, with a limit of 3 %.
    let errors = MissLimit {
        figure: MissFigure::Errors,
        limit: 0.03,
        ..REJECTED
    };
    let (stopped, _) = hold_to_its_word(&near, errors, 10);
    assert!(stopped >= 8, "{stopped} of 10 stopped at 3 %");
}

/// Response times: each exponential with a mean of 1 s (p95 3.0 s), so
/// a limit of 1 s is missed from the start and one of 2.95 s (5.2 % of
/// the responses above it) only just.
#[test]
fn a_replication_stopped_on_a_response_time_would_have_missed_it() {
    let long = loss(1.0, "20000s");
    let p95 = |limit| MissLimit {
        class: 0,
        figure: MissFigure::Quantile(0.95),
        limit,
    };
    let (stopped, fraction) = hold_to_its_word(&long, p95(1.0), 10);
    println!("p95 3.0 s against 1 s: {stopped}/10 stopped after {fraction:.3} of the run");
    assert_eq!(stopped, 10);
    assert!(fraction < 0.25, "{fraction}");
    let (stopped, fraction) = hold_to_its_word(&long, p95(2.95), 30);
    println!("p95 3.0 s against 2.95 s: {stopped}/30 stopped after {fraction:.3} of the run");
    assert!(stopped > 0 && stopped < 30, "{stopped} of 30 stopped");
    let p99 = MissLimit {
        figure: MissFigure::Quantile(0.99),
        ..p95(3.0)
    };
    let (stopped, _) = hold_to_its_word(&long, p99, 10);
    assert_eq!(stopped, 10, "p99 4.6 s against 3 s");
    let mean = |limit| MissLimit {
        figure: MissFigure::Mean,
        ..p95(limit)
    };
    let (stopped, _) = hold_to_its_word(&long, mean(0.5), 10);
    assert_eq!(stopped, 10, "mean 1 s against 0.5 s");
    let (stopped, _) = hold_to_its_word(&long, mean(0.99), 30);
    assert!(
        stopped > 0 && stopped < 30,
        "{stopped} of 30 stopped at a mean of 0.99 s"
    );
}

/// A closed population's arrivals depend on the answers: no rule.
#[test]
fn classes_with_think_times_are_never_stopped() {
    let text = loss_text("users = 50\nthink = \"exp(1s)\"", "2000s");
    let model = load_str("closed.toml", &text, &[] as &[Override])
        .unwrap()
        .model;
    assert_eq!(MissRule::new(&model, [REJECTED]), None);
}

fn batches(model: &Model, stop: bool) -> (Vec<ReplicationFigures>, bool) {
    let watch = Watch {
        objectives: vec![("web".into(), Slo::P95(10.0), false)],
        stop_certain_misses: stop,
        ..Watch::of(model)
    };
    let job = BatchJob {
        model,
        seed: 20261128,
        first: 30,
        watch,
    };
    let mut ran = run_batches(std::slice::from_ref(&job), None, &Silent);
    let b = ran.variants.pop().unwrap().unwrap();
    (b.replications, b.summary.certain_miss.is_some())
}

/// Near the limit only some replications stop: they are run again to
/// their end, so the candidate's figures are exactly those of full runs.
#[test]
fn a_candidate_whose_replications_did_not_all_stop_is_judged_on_full_runs() {
    let near = loss(2.3, "20000s");
    let (stopped, _) = hold_to_its_word(&near, REJECTED, 30);
    assert!(stopped > 0 && stopped < 30, "the case must mix: {stopped}");
    let (ruled, certain) = batches(&near, true);
    let (full, _) = batches(&near, false);
    assert!(!certain);
    assert_eq!(format!("{ruled:?}"), format!("{full:?}"));
    assert!(ruled.iter().all(|r| r.stopped_early.is_none()));
    // Far above it, every replication stops and the candidate says so.
    let (ruled, certain) = batches(&loss(20.0, "2000s"), true);
    assert!(certain);
    assert!(ruled.iter().all(|r| r.stopped_early.is_some()));
}

fn size(extra: &[&str]) -> (Value, String) {
    let mut args = vec![
        "size",
        "prod",
        "--slo",
        "portal:p95<=800ms",
        "--slo",
        "backoffice:p95<=2s",
        "--spare",
        "1",
        "--replications",
        "3",
        "--duration",
        "10m",
        "--warmup",
        "1m",
        "--json",
        "-",
    ];
    args.extend_from_slice(extra);
    let out = o11sim(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (serde_json::from_str(&out.stdout).unwrap(), out.stdout)
}

#[test]
fn size_reports_a_stopped_candidate_and_answers_as_full_runs_do() {
    let (doc, bytes) = size(&["--threads", "2"]);
    let candidates = doc["sizing"]["zones"][0]["candidates"].as_array().unwrap();
    let low = candidates.iter().find(|c| c["running"] == 1).unwrap();
    let stopped = &low["stopped_early"];
    // Almost every answer waits seconds in the IIS queue: the p95 is
    // certain first, within minutes.
    assert_eq!(stopped["figure"], "p95", "{low}");
    assert_eq!(stopped["class"], "portal", "{low}");
    assert_eq!(stopped["limit"], 0.8);
    let measured = stopped["measured_s"].as_f64().unwrap();
    assert!(measured > 0.0 && measured < 600.0, "{measured}");
    assert!(stopped["bound"].as_f64().unwrap() > 0.05, "{stopped}");
    assert_eq!(low["meets"], false);
    let high = candidates.iter().find(|c| c["running"] == 2).unwrap();
    assert!(high["stopped_early"].is_null());
    assert_eq!(high["meets"], true);
    // The same bytes on one thread.
    let (_, one) = size(&["--threads", "1"]);
    assert_eq!(bytes, one);
    // Run to its end, the missing candidate misses all the same and the
    // answer is the same; the candidate that meets is the same run.
    let (full, _) = size(&["--run-misses-to-end"]);
    let full_candidates = full["sizing"]["zones"][0]["candidates"].as_array().unwrap();
    assert!(full_candidates.iter().all(|c| c["stopped_early"].is_null()));
    assert_eq!(
        full["sizing"]["zones"][0]["answer"],
        doc["sizing"]["zones"][0]["answer"]
    );
    let variants = |d: &Value| d["variants"].as_array().unwrap().clone();
    let index = high["variant_index"].as_u64().unwrap() as usize;
    assert_eq!(variants(&doc)[index], variants(&full)[index]);
    // Text and CSV say it too.
    let dir = temp_dir("certain-miss");
    let csv = dir.join("size.csv");
    let out = o11sim(&[
        "size",
        "prod",
        "--slo",
        "portal:p95<=800ms",
        "--spare",
        "1",
        "--replications",
        "3",
        "--duration",
        "10m",
        "--warmup",
        "1m",
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "stopped early: in every replication portal's p95 above 800ms was certain after"
        ),
        "{}",
        out.stdout
    );
    let table = std::fs::read_to_string(&csv).unwrap();
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "stopped_early_after_s")
        .unwrap();
    // New columns go at the end: this one, then the replications
    // measured, then the SLO verdicts.
    assert_eq!(
        header[col..],
        [
            "stopped_early_after_s",
            "replications_measured",
            "slos_met",
            "slo_verdicts"
        ]
    );
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let running = cells[2];
        let after = cells[col];
        if running == "1" {
            let s: f64 = after.parse().unwrap();
            assert!(s > 0.0 && s < 600.0, "{line}");
        } else {
            assert_eq!(after, "", "{line}");
        }
    }
}
