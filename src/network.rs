//! Generic queueing networks: a chain of stations (FCFS servers, processor
//! sharing, or pure delay) fed by Poisson-like open arrivals or by a closed
//! population with think time.
//!
//! Why this file exists: it is the smallest model that exercises the whole
//! engine path — calendar, named streams, resources, streaming statistics,
//! warm-up — and it has exact answers (Erlang B/C, Pollaczek–Khinchine,
//! M/G/1-PS, Jackson, MVA). `o11sim validate`, the statistical tests and the
//! `mmc` benchmark all run through it, so they check the code users run.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::dist::Dist;
use crate::engine::resource::Admission;
use crate::engine::{Calendar, Completion, Station, Stream, StreamSeeds};
use crate::stats::{LatencyHistogram, Mser5, Tally, mser::WarmupEstimate};

/// Events between two looks at the stop flag.
const STOP_CHECK_EVERY: u64 = 1 << 14;

/// How a station serves its customers.
#[derive(Clone, Debug, PartialEq)]
pub enum Discipline {
    /// `servers` servers, first come first served, at most `queue_limit`
    /// waiting (`Some(0)`: a loss system; `None`: unlimited).
    Fcfs {
        servers: u32,
        queue_limit: Option<usize>,
    },
    /// `cores` cores under processor sharing.
    ProcessorSharing { cores: f64 },
    /// Infinite servers: every customer is served at once (a pure delay).
    Delay,
}

/// One station of the chain.
#[derive(Clone, Debug)]
pub struct StationSpec {
    pub discipline: Discipline,
    pub service: Dist,
}

/// Where customers come from.
#[derive(Clone, Debug)]
pub enum Population {
    /// External arrivals with the given inter-arrival distribution.
    Open { interarrival: Dist },
    /// `customers` customers cycling forever: think, then visit the chain.
    Closed { customers: u32, think: Dist },
}

/// A network: customers visit every station in order, then leave (open) or
/// think and return (closed).
#[derive(Clone, Debug)]
pub struct NetworkSpec {
    pub population: Population,
    pub stations: Vec<StationSpec>,
    /// Statistics are discarded up to this simulated time.
    pub warmup: f64,
    /// Measured time after the warm-up.
    pub duration: f64,
}

/// What one station measured after the warm-up.
#[derive(Clone, Debug, Default)]
pub struct StationResult {
    /// Time from joining the station to starting service.
    pub wait: Tally,
    /// Time from joining the station to leaving it.
    pub response: Tally,
    /// Customers that completed service here.
    pub completed: u64,
    /// Customers turned away (finite FCFS queue).
    pub rejected: u64,
    /// Customers that arrived here.
    pub arrived: u64,
    /// Mean fraction of servers busy (0 for a delay station).
    pub utilization: f64,
    /// Time-average number present (waiting or in service).
    pub mean_in_system: f64,
    /// Time-average number waiting.
    pub mean_queue: f64,
}

/// Everything one replication of a network measured.
#[derive(Clone, Debug)]
pub struct NetworkResult {
    pub stations: Vec<StationResult>,
    /// End-to-end response time of customers that completed the chain
    /// after the warm-up.
    pub response: Tally,
    pub response_hist: LatencyHistogram,
    /// Customers that completed the chain after the warm-up.
    pub completed: u64,
    /// Length of the measured period.
    pub measured_time: f64,
    /// Counts over the whole run, warm-up included, for conservation checks.
    pub totals: Totals,
    /// MSER-5 warm-up estimate over the end-to-end response times.
    pub warmup_estimate: Option<WarmupEstimate>,
    /// Events processed over the whole run.
    pub events: u64,
}

/// Whole-run counts: every customer that entered is completed, rejected, or
/// still in the network at the end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub entered: u64,
    pub completed: u64,
    pub rejected: u64,
    pub in_network_at_end: u64,
}

#[derive(Clone, Copy, Debug)]
enum Event {
    Arrival,
    /// A queueing station (FCFS or processor sharing) finished a service.
    Done {
        station: u16,
        c: Completion<u32>,
    },
    /// A customer leaves a delay station.
    Departure {
        station: u16,
        customer: u32,
    },
    ThinkDone {
        customer: u32,
    },
    EndWarmup,
    End,
}

#[derive(Clone, Copy, Debug, Default)]
struct Customer {
    entered_network: f64,
    entered_station: f64,
}

enum Node {
    Queue(Station<u32>),
    Delay {
        present: u64,
        level: crate::stats::TimeWeighted,
    },
}

struct Run<'a> {
    spec: &'a NetworkSpec,
    cal: Calendar<Event>,
    stations: Vec<Node>,
    service_rng: Vec<Stream>,
    arrival_rng: Stream,
    think_rng: Stream,
    customers: Vec<Customer>,
    free: Vec<u32>,
    measuring: bool,
    results: Vec<StationResult>,
    response: Tally,
    response_hist: LatencyHistogram,
    mser: Mser5,
    completed: u64,
    totals: Totals,
    events: u64,
}

impl NetworkSpec {
    /// Simulates one replication with the streams of `seeds`.
    pub fn simulate(&self, seeds: StreamSeeds) -> NetworkResult {
        static NEVER: AtomicBool = AtomicBool::new(false);
        Run::new(self, seeds)
            .run(&NEVER)
            .expect("a run that is never stopped completes")
    }

    /// About how many events one replication simulates: each customer
    /// arrives (or ends its think time) and joins and leaves every station.
    /// A closed population cannot cycle faster than its think time allows,
    /// which bounds it from above.
    pub fn estimated_events(&self) -> f64 {
        let horizon = self.warmup + self.duration;
        let rate = match &self.population {
            Population::Open { interarrival } => 1.0 / interarrival.mean(),
            Population::Closed { customers, think } => *customers as f64 / think.mean(),
        };
        rate * horizon * (1.0 + 2.0 * self.stations.len() as f64)
    }

    /// As [`NetworkSpec::simulate`], but gives up (returning `None`) soon
    /// after `stop` is set: the flag is looked at every few thousand events.
    pub fn simulate_until(&self, seeds: StreamSeeds, stop: &AtomicBool) -> Option<NetworkResult> {
        Run::new(self, seeds).run(stop)
    }
}

impl<'a> Run<'a> {
    fn new(spec: &'a NetworkSpec, seeds: StreamSeeds) -> Self {
        let stations = spec
            .stations
            .iter()
            .map(|s| match s.discipline {
                Discipline::Fcfs {
                    servers,
                    queue_limit,
                } => Node::Queue(Station::fcfs(servers, queue_limit)),
                Discipline::ProcessorSharing { cores } => {
                    Node::Queue(Station::processor_sharing(cores))
                }
                Discipline::Delay => Node::Delay {
                    present: 0,
                    level: Default::default(),
                },
            })
            .collect();
        let n = spec.stations.len();
        Run {
            spec,
            cal: Calendar::with_capacity(1024),
            stations,
            service_rng: (0..n as u64).map(|i| seeds.indexed("service", i)).collect(),
            arrival_rng: seeds.stream("arrivals"),
            think_rng: seeds.stream("think"),
            customers: Vec::with_capacity(1024),
            free: Vec::with_capacity(1024),
            measuring: spec.warmup <= 0.0,
            results: vec![StationResult::default(); n],
            response: Tally::new(),
            response_hist: LatencyHistogram::new(),
            mser: Mser5::new(),
            completed: 0,
            totals: Totals::default(),
            events: 0,
        }
    }

    fn new_customer(&mut self, now: f64) -> u32 {
        let c = Customer {
            entered_network: now,
            entered_station: now,
        };
        match self.free.pop() {
            Some(id) => {
                self.customers[id as usize] = c;
                id
            }
            None => {
                self.customers.push(c);
                (self.customers.len() - 1) as u32
            }
        }
    }

    fn run(mut self, stop: &AtomicBool) -> Option<NetworkResult> {
        let spec = self.spec;
        match &spec.population {
            Population::Open { interarrival } => {
                let t = interarrival.sample(&mut self.arrival_rng);
                self.cal.schedule_at(t, Event::Arrival);
            }
            Population::Closed { customers, think } => {
                for _ in 0..*customers {
                    let id = self.new_customer(0.0);
                    let t = think.sample(&mut self.think_rng);
                    self.cal.schedule_at(t, Event::ThinkDone { customer: id });
                }
            }
        }
        if spec.warmup > 0.0 {
            self.cal.schedule_at(spec.warmup, Event::EndWarmup);
        }
        let end = spec.warmup + spec.duration;
        self.cal.schedule_at(end, Event::End);

        while let Some((now, event)) = self.cal.pop() {
            self.events += 1;
            if self.events.is_multiple_of(STOP_CHECK_EVERY) && stop.load(Ordering::Relaxed) {
                return None;
            }
            match event {
                Event::Arrival => {
                    if let Population::Open { interarrival } = &spec.population {
                        let t = interarrival.sample(&mut self.arrival_rng);
                        self.cal.schedule_in(t, Event::Arrival);
                    }
                    let id = self.new_customer(now);
                    self.totals.entered += 1;
                    self.enter(now, 0, id);
                }
                Event::ThinkDone { customer } => {
                    self.customers[customer as usize].entered_network = now;
                    self.totals.entered += 1;
                    self.enter(now, 0, customer);
                }
                Event::Done { station, c } => self.done(now, station as usize, c),
                Event::Departure { station, customer } => {
                    self.depart_delay(now, station as usize, customer);
                }
                Event::EndWarmup => self.start_measuring(now),
                Event::End => break,
            }
        }
        Some(self.finish(end))
    }

    #[inline]
    fn enter(&mut self, now: f64, s: usize, c: u32) {
        self.customers[c as usize].entered_station = now;
        if self.measuring {
            self.results[s].arrived += 1;
        }
        let service = &self.spec.stations[s].service;
        let station = s as u16;
        match &mut self.stations[s] {
            Node::Queue(q) => {
                // A customer turned away draws no service time, so the
                // service stream stays in step with the customers served.
                let work = if q.is_full() {
                    0.0
                } else {
                    service.sample(&mut self.service_rng[s])
                };
                match q.arrive(&mut self.cal, now, c, work, |c| Event::Done { station, c }) {
                    Admission::Started => {
                        if self.measuring {
                            self.results[s].wait.record(0.0);
                        }
                    }
                    Admission::Queued => {}
                    Admission::Rejected => {
                        self.totals.rejected += 1;
                        if self.measuring {
                            self.results[s].rejected += 1;
                        }
                        self.free.push(c);
                    }
                }
            }
            Node::Delay { present, level } => {
                *present += 1;
                level.set(now, *present as f64);
                if self.measuring {
                    self.results[s].wait.record(0.0);
                }
                let t = service.sample(&mut self.service_rng[s]);
                self.cal.schedule_at(
                    now + t,
                    Event::Departure {
                        station,
                        customer: c,
                    },
                );
            }
        }
    }

    /// A queueing station's completion event fired.
    #[inline]
    fn done(&mut self, now: f64, s: usize, token: Completion<u32>) {
        let Node::Queue(q) = &mut self.stations[s] else {
            unreachable!("a completion for a delay station")
        };
        let station = s as u16;
        let Some(d) = q.complete(&mut self.cal, now, token, |c| Event::Done { station, c }) else {
            return;
        };
        if let Some((_, waited)) = d.started
            && self.measuring
        {
            self.results[s].wait.record(waited);
        }
        self.leave(now, s, d.job);
    }

    #[inline]
    fn depart_delay(&mut self, now: f64, s: usize, c: u32) {
        let Node::Delay { present, level } = &mut self.stations[s] else {
            unreachable!("a departure from a queueing station")
        };
        *present -= 1;
        level.set(now, *present as f64);
        self.leave(now, s, c);
    }

    #[inline]
    fn leave(&mut self, now: f64, s: usize, c: u32) {
        let cust = self.customers[c as usize];
        if self.measuring {
            let r = &mut self.results[s];
            r.completed += 1;
            r.response.record(now - cust.entered_station);
        }
        if s + 1 < self.stations.len() {
            self.enter(now, s + 1, c);
            return;
        }
        let rt = now - cust.entered_network;
        self.totals.completed += 1;
        self.mser.record(now, rt);
        if self.measuring {
            self.completed += 1;
            self.response.record(rt);
            self.response_hist.record(rt);
        }
        match &self.spec.population {
            Population::Open { .. } => self.free.push(c),
            Population::Closed { think, .. } => {
                let t = think.sample(&mut self.think_rng);
                self.cal.schedule_in(t, Event::ThinkDone { customer: c });
            }
        }
    }

    fn start_measuring(&mut self, now: f64) {
        self.measuring = true;
        for st in &mut self.stations {
            match st {
                Node::Queue(q) => q.reset_stats(now),
                Node::Delay { level, .. } => level.reset(now),
            }
        }
    }

    fn finish(mut self, end: f64) -> NetworkResult {
        for (s, st) in self.stations.iter().enumerate() {
            let r = &mut self.results[s];
            match st {
                Node::Queue(q) => {
                    r.utilization = q.utilization(end);
                    r.mean_in_system = q.mean_in_system(end);
                    r.mean_queue = q.mean_queue(end);
                    self.totals.in_network_at_end += q.len() as u64;
                }
                Node::Delay { present, level } => {
                    r.utilization = 0.0;
                    r.mean_in_system = level.mean(end);
                    r.mean_queue = 0.0;
                    self.totals.in_network_at_end += *present;
                }
            }
        }
        NetworkResult {
            stations: self.results,
            response: self.response,
            response_hist: self.response_hist,
            completed: self.completed,
            measured_time: self.spec.duration,
            totals: self.totals,
            warmup_estimate: self.mser.estimate(),
            events: self.events,
        }
    }
}
