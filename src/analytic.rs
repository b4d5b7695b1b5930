//! Exact results for classic queueing models.
//!
//! # Why this module exists
//!
//! A simulator can only be trusted once it reproduces the cases whose answers
//! are known exactly. `o11sim validate` and the test-suite run the engine on
//! textbook models (M/M/1, M/M/c, M/G/1, processor sharing, Jackson tandems,
//! closed product-form networks) and compare the estimates, with their
//! confidence intervals, against the closed forms computed here. The same
//! formulas later give instant first-cut capacity estimates ("how many
//! front-ends for this arrival rate?") before anything is simulated.
//!
//! Everything here is a pure function of its arguments and depends on `std`
//! only, so it can serve as an oracle independent of the simulation code.
//!
//! # Conventions
//!
//! * Rates are per second, times are in seconds, everything is `f64`.
//! * A service is described by its **mean service time** `E[S]` (not the rate
//!   `μ = 1/E[S]`), because that is what capacity-planning inputs are.
//! * The offered load is `a = λ E[S]` Erlangs; with `c` servers the
//!   utilization is `ρ = a / c`.
//! * Open models return `None` when an input is invalid (negative, NaN or
//!   infinite rates or times, a mean service time that is not positive, zero
//!   servers) or when the queue is unstable (`ρ >= 1`), since then there is no
//!   steady state to report.
//!
//! # References
//!
//! * \[Kleinrock] L. Kleinrock, *Queueing Systems, Vol. 1: Theory*, Wiley,
//!   1975 (M/M/1 §3.2, M/M/c §3.5, M/M/c/c §3.7, M/G/1 ch. 5), and *Vol. 2:
//!   Computer Applications*, Wiley, 1976 (processor sharing, ch. 4).
//! * \[GH] D. Gross, J. F. Shortle, J. M. Thompson, C. M. Harris,
//!   *Fundamentals of Queueing Theory*, 4th ed., Wiley, 2008.
//! * \[QSP] E. D. Lazowska, J. Zahorjan, G. S. Graham, K. C. Sevcik,
//!   *Quantitative System Performance*, Prentice-Hall, 1984 (MVA ch. 6,
//!   load-dependent centers ch. 20).
//! * \[RL] M. Reiser, S. S. Lavenberg, "Mean-value analysis of closed
//!   multichain queuing networks", *JACM* 27(2), 1980.
//! * \[Bolch] G. Bolch, S. Greiner, H. de Meer, K. S. Trivedi, *Queueing
//!   Networks and Markov Chains*, 2nd ed., Wiley, 2006 (convolution and MVA,
//!   ch. 8).

/// `true` for a finite, non-negative number (a valid rate or time).
fn non_negative(x: f64) -> bool {
    x.is_finite() && x >= 0.0
}

/// `true` for a finite, strictly positive number (a valid mean service time).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

// ---------------------------------------------------------------------------
// Erlang formulas
// ---------------------------------------------------------------------------

/// Erlang B: the blocking probability of the M/M/c/c loss system with
/// `servers` servers and `offered_load` `a = λ E[S]` Erlangs.
///
/// By insensitivity the same value holds for M/G/c/c (any service
/// distribution with that mean) \[Kleinrock §3.7, GH §2.6].
///
/// ```text
///           a^c / c!
/// B(c, a) = ──────────────────
///           Σ_{k=0..c} a^k / k!
/// ```
///
/// evaluated with the numerically stable recursion
/// `B(0) = 1`, `B(k) = a B(k−1) / (k + a B(k−1))`, which involves no
/// factorials or powers, never overflows and costs `O(c)`: it is exact to
/// rounding for `c` in the tens of thousands and any finite load.
///
/// Returns 1 for an infinite load and NaN for a negative or NaN load.
#[must_use]
pub fn erlang_b(servers: u32, offered_load: f64) -> f64 {
    let a = offered_load;
    if a.is_nan() || a < 0.0 {
        return f64::NAN;
    }
    if a == f64::INFINITY {
        return 1.0;
    }
    let mut b = 1.0;
    for k in 1..=servers {
        let ab = a * b;
        b = ab / (f64::from(k) + ab);
    }
    b
}

/// Erlang C: the probability that an arrival has to wait in the M/M/c queue
/// with `servers` servers and `offered_load` `a = λ E[S]` Erlangs
/// \[Kleinrock §3.5, GH §2.3].
///
/// Computed from Erlang B, which keeps it stable for large `c`:
///
/// ```text
/// C(c, a) = c B(c, a) / (c − a (1 − B(c, a)))
/// ```
///
/// Returns 1 when `a >= c` (the queue is unstable, every arrival waits) and
/// NaN for a negative or NaN load.
#[must_use]
pub fn erlang_c(servers: u32, offered_load: f64) -> f64 {
    let a = offered_load;
    if a.is_nan() || a < 0.0 {
        return f64::NAN;
    }
    let c = f64::from(servers);
    if a >= c {
        return 1.0;
    }
    let b = erlang_b(servers, a);
    c * b / (c - a * (1.0 - b))
}

// ---------------------------------------------------------------------------
// Open single-station models
// ---------------------------------------------------------------------------

/// Steady-state means of an M/M/c FCFS queue, see [`mmc`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MmcResult {
    /// Per-server utilization `ρ = λ E[S] / c`.
    pub utilization: f64,
    /// Probability that an arrival waits, Erlang C (`ρ` when `c = 1`).
    pub prob_wait: f64,
    /// Mean waiting time in queue `Wq`, seconds.
    pub mean_wait: f64,
    /// Mean response (sojourn) time `W = Wq + E[S]`, seconds.
    pub mean_response: f64,
    /// Mean number waiting in queue `Lq = λ Wq`.
    pub mean_queue_length: f64,
    /// Mean number in the system `L = λ W`.
    pub mean_in_system: f64,
}

/// M/M/c FCFS queue: Poisson arrivals at `arrival_rate`, exponential service
/// with mean `mean_service`, `servers` identical servers, infinite waiting
/// room \[Kleinrock §3.5, GH §2.3]. With `a = λ E[S]` and `C = C(c, a)`:
///
/// ```text
/// Wq = C E[S] / (c − a),   W = Wq + E[S],   Lq = λ Wq,   L = λ W
/// ```
///
/// Returns `None` for invalid inputs or when `ρ = a / c >= 1`.
#[must_use]
pub fn mmc(arrival_rate: f64, mean_service: f64, servers: u32) -> Option<MmcResult> {
    if !non_negative(arrival_rate) || !positive(mean_service) || servers == 0 {
        return None;
    }
    let c = f64::from(servers);
    let a = arrival_rate * mean_service;
    if a >= c {
        return None;
    }
    let prob_wait = erlang_c(servers, a);
    let mean_wait = prob_wait * mean_service / (c - a);
    let mean_response = mean_wait + mean_service;
    Some(MmcResult {
        utilization: a / c,
        prob_wait,
        mean_wait,
        mean_response,
        mean_queue_length: arrival_rate * mean_wait,
        mean_in_system: arrival_rate * mean_response,
    })
}

/// M/M/1 FCFS queue, [`mmc`] with one server: `W = E[S] / (1 − ρ)`,
/// `L = ρ / (1 − ρ)`, `Lq = ρ² / (1 − ρ)` \[Kleinrock §3.2].
///
/// Returns `None` for invalid inputs or when `ρ >= 1`.
#[must_use]
pub fn mm1(arrival_rate: f64, mean_service: f64) -> Option<MmcResult> {
    mmc(arrival_rate, mean_service, 1)
}

/// Steady-state means of an M/G/1 FCFS queue, see [`mg1_pk`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mg1Result {
    /// Server utilization `ρ = λ E[S]` (also the probability of waiting).
    pub utilization: f64,
    /// Mean waiting time in queue `Wq`, seconds.
    pub mean_wait: f64,
    /// Mean response (sojourn) time `W = Wq + E[S]`, seconds.
    pub mean_response: f64,
    /// Mean number waiting in queue `Lq = λ Wq`.
    pub mean_queue_length: f64,
    /// Mean number in the system `L = λ W`.
    pub mean_in_system: f64,
}

/// M/G/1 FCFS queue by the Pollaczek–Khinchine mean-value formula
/// \[Kleinrock ch. 5, GH §5.1]: with `ρ = λ E[S]`,
///
/// ```text
/// Wq = λ E[S²] / (2 (1 − ρ)),   W = Wq + E[S],   Lq = λ Wq,   L = λ W
/// ```
///
/// `second_moment` is `E[S²] = Var[S] + E[S]²` (`2 E[S]²` for exponential,
/// `E[S]²` for deterministic service, `(1 + cv²) E[S]²` in general).
///
/// Returns `None` for invalid inputs (including `E[S²] < E[S]²`, which no
/// distribution has) or when `ρ >= 1`.
#[must_use]
pub fn mg1_pk(arrival_rate: f64, mean_service: f64, second_moment: f64) -> Option<Mg1Result> {
    if !non_negative(arrival_rate) || !positive(mean_service) || !second_moment.is_finite() {
        return None;
    }
    // Tolerate rounding in a caller's variance + mean² computation.
    if second_moment < mean_service * mean_service * (1.0 - 1e-12) {
        return None;
    }
    let rho = arrival_rate * mean_service;
    if rho >= 1.0 {
        return None;
    }
    let mean_wait = arrival_rate * second_moment / (2.0 * (1.0 - rho));
    let mean_response = mean_wait + mean_service;
    Some(Mg1Result {
        utilization: rho,
        mean_wait,
        mean_response,
        mean_queue_length: arrival_rate * mean_wait,
        mean_in_system: arrival_rate * mean_response,
    })
}

/// M/D/1 queue (deterministic service time `service`): [`mg1_pk`] with
/// `E[S²] = E[S]²`, so `Wq = ρ E[S] / (2 (1 − ρ))`, half the M/M/1 wait.
///
/// Returns `None` for invalid inputs or when `ρ >= 1`.
#[must_use]
pub fn md1(arrival_rate: f64, service: f64) -> Option<Mg1Result> {
    mg1_pk(arrival_rate, service, service * service)
}

/// Mean response time of the M/G/1 processor-sharing queue,
/// `E[T] = E[S] / (1 − ρ)` with `ρ = λ E[S]`, which depends on the service
/// distribution only through its mean \[Kleinrock vol. 2, ch. 4].
///
/// Returns `None` for invalid inputs or when `ρ >= 1`.
#[must_use]
pub fn mg1_ps_response(arrival_rate: f64, mean_service: f64) -> Option<f64> {
    if !non_negative(arrival_rate) || !positive(mean_service) {
        return None;
    }
    let rho = arrival_rate * mean_service;
    (rho < 1.0).then(|| mean_service / (1.0 - rho))
}

// ---------------------------------------------------------------------------
// Distributions (percentiles)
// ---------------------------------------------------------------------------

/// Quantile `q` of the response (sojourn) time of the M/M/1 FCFS queue.
///
/// The sojourn time is exponential with rate `μ − λ = (1 − ρ) / E[S]`
/// \[Kleinrock §3.2, GH §2.2.4], so
///
/// ```text
/// t_q = −ln(1 − q) E[S] / (1 − ρ)
/// ```
///
/// (e.g. the median is `ln 2 · W`). Returns `None` for invalid inputs,
/// `q` outside `[0, 1)`, or `ρ >= 1`.
#[must_use]
pub fn mm1_response_quantile(arrival_rate: f64, mean_service: f64, q: f64) -> Option<f64> {
    if !non_negative(arrival_rate) || !positive(mean_service) || !(0.0..1.0).contains(&q) {
        return None;
    }
    let rho = arrival_rate * mean_service;
    (rho < 1.0).then(|| -(-q).ln_1p() * mean_service / (1.0 - rho))
}

/// Tail of the waiting-time distribution of the M/M/c FCFS queue,
/// `P(Wq > t) = C(c, a) e^{−(cμ − λ) t}` for `t >= 0`, where
/// `cμ − λ = (c − a) / E[S]` \[GH §2.3, Kleinrock §3.5].
///
/// Returns `None` for invalid inputs, a negative or NaN `t`, or `ρ >= 1`.
#[must_use]
pub fn mmc_wait_tail(arrival_rate: f64, mean_service: f64, servers: u32, t: f64) -> Option<f64> {
    if t.is_nan() || t < 0.0 {
        return None;
    }
    let r = mmc(arrival_rate, mean_service, servers)?;
    let a = arrival_rate * mean_service;
    let decay = (f64::from(servers) - a) / mean_service;
    Some(r.prob_wait * (-decay * t).exp())
}

/// Quantile `q` of the waiting time in queue of the M/M/c FCFS queue,
/// inverting [`mmc_wait_tail`]: with `C = C(c, a)`,
///
/// ```text
/// t_q = 0                                       if q <= 1 − C
/// t_q = ln(C / (1 − q)) E[S] / (c − a)          otherwise
/// ```
///
/// (the atom at zero is the probability of not waiting). Returns `None` for
/// invalid inputs, `q` outside `[0, 1)`, or `ρ >= 1`.
#[must_use]
pub fn mmc_wait_quantile(
    arrival_rate: f64,
    mean_service: f64,
    servers: u32,
    q: f64,
) -> Option<f64> {
    if !(0.0..1.0).contains(&q) {
        return None;
    }
    let r = mmc(arrival_rate, mean_service, servers)?;
    let c_wait = r.prob_wait;
    if q <= 1.0 - c_wait {
        return Some(0.0);
    }
    let a = arrival_rate * mean_service;
    Some((c_wait / (1.0 - q)).ln() * mean_service / (f64::from(servers) - a))
}

// ---------------------------------------------------------------------------
// Open networks
// ---------------------------------------------------------------------------

/// Per-station results of a tandem (series) Jackson network of M/M/c FCFS
/// stations fed by Poisson arrivals at `arrival_rate`; `stations` lists
/// `(mean_service, servers)` in visiting order.
///
/// By Burke's theorem the departures of a stable M/M/c queue are Poisson at
/// the arrival rate, and by Jackson's theorem the stations are independent in
/// steady state, so each station is an M/M/c queue with the same `λ`
/// \[Kleinrock §4.8, GH §4.1].
///
/// Returns `None` if any station is invalid or unstable.
#[must_use]
pub fn tandem_mmc_stations(arrival_rate: f64, stations: &[(f64, u32)]) -> Option<Vec<MmcResult>> {
    if !non_negative(arrival_rate) {
        return None;
    }
    stations
        .iter()
        .map(|&(mean_service, servers)| mmc(arrival_rate, mean_service, servers))
        .collect()
}

/// Mean end-to-end response time of a tandem Jackson network of M/M/c
/// stations: the sum of the stations' M/M/c mean response times (see
/// [`tandem_mmc_stations`]); 0 for an empty tandem.
///
/// Returns `None` if any station is invalid or unstable.
#[must_use]
pub fn tandem_mmc(arrival_rate: f64, stations: &[(f64, u32)]) -> Option<f64> {
    let per_station = tandem_mmc_stations(arrival_rate, stations)?;
    Some(per_station.iter().map(|r| r.mean_response).sum())
}

// ---------------------------------------------------------------------------
// Closed networks: exact Mean Value Analysis
// ---------------------------------------------------------------------------

/// A station of a closed single-class product-form network, for [`mva`].
///
/// `demand` is the total service demand per interaction, `D = V S` (visits
/// times mean service time per visit), in seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MvaStation {
    /// Load-independent single server: FCFS with exponential service, or
    /// processor sharing (any service distribution).
    Queueing {
        /// Service demand per interaction, seconds.
        demand: f64,
    },
    /// Infinite server (pure delay): no queueing, residence time `demand`.
    Delay {
        /// Service demand per interaction, seconds.
        demand: f64,
    },
    /// `servers` identical exponential FCFS servers (or PS with that many
    /// servers), a load-dependent station with service rate
    /// `μ(j) = min(j, c) / demand` when `j` customers are present.
    /// One server is [`MvaStation::Queueing`]; `servers >= customers` is
    /// [`MvaStation::Delay`].
    MultiServer {
        /// Service demand per interaction, seconds.
        demand: f64,
        /// Number of servers `c >= 1`.
        servers: u32,
    },
}

impl MvaStation {
    /// The station's service demand per interaction, seconds.
    #[must_use]
    pub fn demand(&self) -> f64 {
        match *self {
            Self::Queueing { demand }
            | Self::Delay { demand }
            | Self::MultiServer { demand, .. } => demand,
        }
    }
}

/// Steady-state means of a closed network, see [`mva`].
#[derive(Clone, Debug, PartialEq)]
pub struct MvaResult {
    /// System throughput `X`, interactions per second.
    pub throughput: f64,
    /// Mean response time per interaction `R`, summed over all stations
    /// (queueing, delay and multi-server), excluding the think time; the
    /// interactive response-time law `N = X (R + Z)` holds.
    pub response_time: f64,
    /// Residence time per interaction at each station (all visits), seconds.
    pub per_station_response: Vec<f64>,
    /// Mean number of customers at each station (waiting and in service).
    pub per_station_queue: Vec<f64>,
    /// Utilization of each station, `X D` (per server `X D / c` for
    /// multi-server stations). For a delay station `X D` is the mean number of
    /// customers present, i.e. of busy servers.
    pub per_station_utilization: Vec<f64>,
}

/// At most this many multi-server stations with `1 < c < customers`: exact
/// MVA solves one sub-network per subset of them (see [`mva`]).
pub const MVA_MAX_MULTI_SERVER_STATIONS: usize = 16;

/// Exact Mean Value Analysis of a closed, single-class, product-form
/// (BCMP) network with `customers` customers, each thinking for a mean of
/// `think_time` seconds between interactions (a delay outside the measured
/// response time; 0 for a batch network).
///
/// # Algorithm
///
/// The recursion of Reiser & Lavenberg \[RL, QSP ch. 6] over the population
/// `n = 1..N`, starting from empty queues `Q_k(0) = 0`. By the arrival
/// theorem, an arriving customer sees the network in equilibrium with one
/// customer fewer:
///
/// ```text
/// Queueing:    R_k(n) = D_k (1 + Q_k(n−1))
/// Delay:       R_k(n) = D_k
/// X(n)   = n / (Z + Σ_k R_k(n))
/// Q_k(n) = X(n) R_k(n)
/// ```
///
/// A multi-server station (load-dependent, `μ(j) = min(j, c) / D`) needs the
/// marginal probabilities `p_k(j | n)` of finding `j` customers there
/// \[QSP ch. 20, Bolch §8.2]:
///
/// ```text
/// R_k(n)     = Σ_{j=1..n} j / μ_k(j) · p_k(j−1 | n−1)
///            = (D_k / c) (1 + Q_k(n−1) + Σ_{j=0..c−2} (c−1−j) p_k(j | n−1))
/// p_k(j | n) = X(n) D_k / j · p_k(j−1 | n−1)            1 <= j <= c−2
/// ```
///
/// The textbook closes this with `p_k(0 | n) = 1 − Σ_{j>=1} p_k(j | n)`,
/// which is numerically unstable: for `c >= 3` rounding errors grow
/// geometrically with `n` at a busy station, and by `N ≈ 100` the
/// "probabilities" are negative and the throughput is garbage. Instead,
/// `p_k(0 | n) = G_{−k}(n) / G(n)`, the ratio of the normalizing constants of
/// the network without and with station `k`; since MVA gives
/// `X(n) = G(n−1) / G(n)`,
///
/// ```text
/// p_k(0 | n) = p_k(0 | n−1) · X(n) / X_{−k}(n)
/// ```
///
/// where `X_{−k}` is the throughput of the complement network (station `k`
/// removed), itself solved by this same MVA. Every quantity is then a sum,
/// product or quotient of positive numbers, so relative errors grow only
/// linearly with `N` (checked against the convolution algorithm for `N` up
/// to 200 in the tests). The price is one MVA pass per subset of the
/// multi-server stations: `O(2^m N (M + Σ c))` time and `O(2^m N)` memory for
/// `m` multi-server stations, fine for the handful of tiers of a capacity
/// model. Stations with one server are solved as [`MvaStation::Queueing`]
/// and stations with `c >= N` as [`MvaStation::Delay`] (exactly equivalent),
/// so they do not count towards `m`.
///
/// With `customers == 0` the throughput, queues and utilizations are 0 and
/// the response times are those a lone customer would see (the demands).
///
/// # Panics
///
/// If `think_time` or a demand is negative, NaN or infinite, a multi-server
/// station has 0 servers, there are more than
/// [`MVA_MAX_MULTI_SERVER_STATIONS`] multi-server stations with
/// `1 < c < customers`, or `customers > 0` while the think time and all
/// demands are 0 (the throughput would be infinite).
#[must_use]
pub fn mva(customers: u32, think_time: f64, stations: &[MvaStation]) -> MvaResult {
    solve_mva(customers, think_time, stations, true)
}

/// How [`mva_pass`] treats a station.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Queueing,
    Delay,
    /// Load-dependent multi-server station, the `bit`-th one.
    MultiServer {
        servers: usize,
        bit: usize,
    },
}

/// The validated network that the MVA passes work on.
struct Network {
    customers: usize,
    think_time: f64,
    demands: Vec<f64>,
    kinds: Vec<Kind>,
}

/// Outcome of one MVA pass: throughputs for every population and the final
/// per-station figures.
struct Pass {
    /// `X(n)` for `n = 1..=N` (index `n − 1`).
    throughput: Vec<f64>,
    /// `R_k(N)`.
    response: Vec<f64>,
    /// `Q_k(N)`.
    queue: Vec<f64>,
}

/// [`mva`], optionally without reducing `c = 1` and `c >= N` multi-server
/// stations to their load-independent equivalents (the tests turn the
/// reduction off to exercise the load-dependent recursion on those cases).
fn solve_mva(customers: u32, think_time: f64, stations: &[MvaStation], reduce: bool) -> MvaResult {
    assert!(
        non_negative(think_time),
        "mva: think time must be finite and non-negative, got {think_time}"
    );
    let mut multi = 0;
    let mut demands = Vec::with_capacity(stations.len());
    let mut kinds = Vec::with_capacity(stations.len());
    for station in stations {
        let demand = station.demand();
        assert!(
            non_negative(demand),
            "mva: demands must be finite and non-negative, got {station:?}"
        );
        let kind = match *station {
            MvaStation::Queueing { .. } => Kind::Queueing,
            MvaStation::Delay { .. } => Kind::Delay,
            MvaStation::MultiServer { servers, .. } => {
                assert!(
                    servers > 0,
                    "mva: a multi-server station needs servers >= 1"
                );
                if reduce && servers == 1 {
                    Kind::Queueing
                } else if reduce && servers >= customers {
                    Kind::Delay
                } else {
                    multi += 1;
                    Kind::MultiServer {
                        servers: servers as usize,
                        bit: multi - 1,
                    }
                }
            }
        };
        demands.push(demand);
        kinds.push(kind);
    }
    assert!(
        multi <= MVA_MAX_MULTI_SERVER_STATIONS,
        "mva: {multi} multi-server stations, at most {MVA_MAX_MULTI_SERVER_STATIONS} supported"
    );

    if customers == 0 {
        let zeros = vec![0.0; stations.len()];
        return MvaResult {
            throughput: 0.0,
            response_time: demands.iter().sum(),
            per_station_response: demands,
            per_station_queue: zeros.clone(),
            per_station_utilization: zeros,
        };
    }
    assert!(
        think_time + demands.iter().sum::<f64>() > 0.0,
        "mva: with zero think time and zero demands the throughput is infinite"
    );

    let net = Network {
        customers: customers as usize,
        think_time,
        demands,
        kinds,
    };
    // Throughputs of the sub-networks keeping only the multi-server stations
    // whose bits are set in the index. Removing a station clears a bit and
    // gives a smaller index, so increasing order solves complements first.
    let full = (1_usize << multi) - 1;
    let mut sub_throughputs: Vec<Vec<f64>> = Vec::with_capacity(full);
    for mask in 0..full {
        let pass = mva_pass(&net, mask, &sub_throughputs);
        sub_throughputs.push(pass.throughput);
    }
    let pass = mva_pass(&net, full, &sub_throughputs);

    let throughput = pass.throughput[net.customers - 1];
    let per_station_utilization = stations
        .iter()
        .map(|station| match *station {
            MvaStation::Queueing { demand } | MvaStation::Delay { demand } => throughput * demand,
            MvaStation::MultiServer { demand, servers } => throughput * demand / f64::from(servers),
        })
        .collect();
    MvaResult {
        throughput,
        response_time: pass.response.iter().sum(),
        per_station_response: pass.response,
        per_station_queue: pass.queue,
        per_station_utilization,
    }
}

/// One MVA recursion over `n = 1..=N` for the sub-network holding every
/// load-independent station and the multi-server stations selected by
/// `mask`. `sub_throughputs[m]` must hold the throughputs of sub-network `m`
/// for every `m < mask` that is `mask` with one bit cleared.
fn mva_pass(net: &Network, mask: usize, sub_throughputs: &[Vec<f64>]) -> Pass {
    let stations = net.kinds.len();
    let present = |k: usize| match net.kinds[k] {
        Kind::MultiServer { bit, .. } => mask & (1 << bit) != 0,
        Kind::Queueing | Kind::Delay => true,
    };
    let mut response = vec![0.0; stations];
    let mut queue = vec![0.0; stations];

    let total_demand: f64 = net.think_time
        + (0..stations)
            .filter(|&k| present(k))
            .map(|k| net.demands[k])
            .sum::<f64>();
    if total_demand == 0.0 {
        // Only zero-demand stations (a sub-network of the full one): every
        // customer cycles in zero time.
        return Pass {
            throughput: vec![f64::INFINITY; net.customers],
            response,
            queue,
        };
    }

    // p_k(j | n) for j = 0..=c−2 at the multi-server stations (empty
    // elsewhere), starting from the empty network: p_k(0 | 0) = 1.
    let mut probs: Vec<Vec<f64>> = (0..stations)
        .map(|k| match net.kinds[k] {
            Kind::MultiServer { servers, .. } if present(k) => {
                let mut p = vec![0.0; servers - 1];
                if let Some(p0) = p.first_mut() {
                    *p0 = 1.0;
                }
                p
            }
            _ => Vec::new(),
        })
        .collect();

    let mut throughput = Vec::with_capacity(net.customers);
    for n in 1..=net.customers {
        let mut total = net.think_time;
        for k in (0..stations).filter(|&k| present(k)) {
            let d = net.demands[k];
            response[k] = match net.kinds[k] {
                Kind::Queueing => d * (1.0 + queue[k]),
                Kind::Delay => d,
                Kind::MultiServer { servers, .. } => {
                    let c = servers as f64;
                    let idle_servers: f64 = probs[k]
                        .iter()
                        .enumerate()
                        .map(|(j, p)| (c - 1.0 - j as f64) * p)
                        .sum();
                    d / c * (1.0 + queue[k] + idle_servers)
                }
            };
            total += response[k];
        }
        let x = n as f64 / total;
        throughput.push(x);
        for k in (0..stations).filter(|&k| present(k)) {
            queue[k] = x * response[k];
            if let Kind::MultiServer { bit, .. } = net.kinds[k] {
                let p = &mut probs[k];
                let d = net.demands[k];
                for j in (1..p.len()).rev() {
                    p[j] = x * d / j as f64 * p[j - 1];
                }
                if let Some(p0) = p.first_mut() {
                    *p0 *= x / sub_throughputs[mask & !(1 << bit)][n - 1];
                }
            }
        }
    }
    Pass {
        throughput,
        response,
        queue,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Relative closeness with an absolute floor for values near zero.
    fn close(actual: f64, expected: f64, tol: f64) -> bool {
        (actual - expected).abs() <= tol * expected.abs().max(1e-12)
    }

    macro_rules! assert_close {
        ($actual:expr, $expected:expr, $tol:expr) => {{
            let (a, e): (f64, f64) = ($actual, $expected);
            assert!(
                close(a, e, $tol),
                "{} = {a}, expected {e} (rel. tol {})",
                stringify!($actual),
                $tol
            );
        }};
    }

    /// Erlang B straight from its definition, in log space (independent of
    /// the recursion): B = (a^c/c!) / Σ_{k<=c} a^k/k!.
    fn erlang_b_direct(c: u32, a: f64) -> f64 {
        let mut log_terms = Vec::with_capacity(c as usize + 1);
        let mut log_term = 0.0;
        log_terms.push(log_term);
        for k in 1..=c {
            log_term += a.ln() - f64::from(k).ln();
            log_terms.push(log_term);
        }
        (log_term - log_sum_exp(&log_terms)).exp()
    }

    /// Erlang C from its textbook definition with factorial sums:
    /// C = (a^c/c! · c/(c−a)) / (Σ_{k<c} a^k/k! + a^c/c! · c/(c−a)).
    fn erlang_c_direct(c: u32, a: f64) -> f64 {
        let mut sum = 0.0;
        let mut term = 1.0; // a^k / k!
        for k in 0..c {
            sum += term;
            term *= a / f64::from(k + 1);
        }
        let last = term * f64::from(c) / (f64::from(c) - a);
        last / (sum + last)
    }

    fn log_sum_exp(xs: &[f64]) -> f64 {
        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if max == f64::NEG_INFINITY {
            return max;
        }
        max + xs.iter().map(|x| (x - max).exp()).sum::<f64>().ln()
    }

    #[test]
    fn erlang_b_textbook_values() {
        // Erlang B table entry 0.018385; exactly 390625 / 21247437.
        assert_close!(erlang_b(10, 5.0), 390_625.0 / 21_247_437.0, 1e-13);
        assert_close!(erlang_b(1, 1.0), 0.5, 1e-15);
        // B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2.
        assert_close!(erlang_b(2, 1.0), 0.2, 1e-15);
        assert_eq!(erlang_b(0, 3.0), 1.0);
        assert_eq!(erlang_b(5, 0.0), 0.0);
        assert_eq!(erlang_b(5, f64::INFINITY), 1.0);
        assert!(erlang_b(5, -1.0).is_nan());
        assert!(erlang_b(5, f64::NAN).is_nan());
        for (c, a) in [(10, 5.0), (30, 20.0), (50, 60.0), (3, 0.1), (100, 100.0)] {
            assert_close!(erlang_b(c, a), erlang_b_direct(c, a), 1e-10);
        }
    }

    #[test]
    fn erlang_b_large_systems_are_finite() {
        let b = erlang_b(1000, 950.0);
        assert!(b > 0.0 && b < 1.0, "B(1000, 950) = {b}");
        assert_close!(b, erlang_b_direct(1000, 950.0), 1e-9);
        for (c, a) in [(10_000, 9_500.0), (10_000, 10_000.0), (10_000, 12_000.0)] {
            let b = erlang_b(c, a);
            assert!(b > 0.0 && b < 1.0, "B({c}, {a}) = {b}");
            assert_close!(b, erlang_b_direct(c, a), 1e-8);
        }
        // Heavy overload: B → 1 − c/a.
        assert_close!(erlang_b(100, 1e9), 1.0 - 100.0 / 1e9, 1e-9);
        // Light load: vanishingly small, but no NaN.
        let tiny = erlang_b(10_000, 1.0);
        assert!((0.0..1e-300).contains(&tiny));
    }

    #[test]
    fn erlang_c_textbook_values() {
        // M/M/2 with a = 1: C = 1/3.
        assert_close!(erlang_c(2, 1.0), 1.0 / 3.0, 1e-14);
        // M/M/1: C = ρ.
        assert_close!(erlang_c(1, 0.7), 0.7, 1e-14);
        assert_close!(erlang_c(4, 3.2), erlang_c_direct(4, 3.2), 1e-12);
        // Exact rational arithmetic gives 0.596432471787404...
        assert_close!(erlang_c(4, 3.2), 0.596_432_471_787_404, 1e-12);
        for (c, a) in [(3, 2.5), (10, 8.0), (20, 19.5), (50, 30.0)] {
            assert_close!(erlang_c(c, a), erlang_c_direct(c, a), 1e-11);
        }
        assert_eq!(erlang_c(4, 4.0), 1.0);
        assert_eq!(erlang_c(4, 9.0), 1.0);
        assert_eq!(erlang_c(0, 0.0), 1.0);
        assert_eq!(erlang_c(3, 0.0), 0.0);
        let c = erlang_c(1000, 950.0);
        assert!(c > 0.0 && c < 1.0, "C(1000, 950) = {c}");
    }

    #[test]
    fn mm1_textbook_values() {
        // ρ = 0.8, E[S] = 1: W = 5, Wq = 4, L = 4, Lq = 3.2.
        let r = mm1(0.8, 1.0).unwrap();
        assert_close!(r.utilization, 0.8, 1e-15);
        assert_close!(r.prob_wait, 0.8, 1e-15);
        assert_close!(r.mean_response, 5.0, 1e-14);
        assert_close!(r.mean_wait, 4.0, 1e-14);
        assert_close!(r.mean_in_system, 4.0, 1e-14);
        assert_close!(r.mean_queue_length, 3.2, 1e-14);
        // Scale-free in time units: λ = 8/s, E[S] = 0.1 s gives W = 0.5 s.
        assert_close!(mm1(8.0, 0.1).unwrap().mean_response, 0.5, 1e-14);
        let idle = mm1(0.0, 2.0).unwrap();
        assert_eq!((idle.mean_wait, idle.mean_response), (0.0, 2.0));
    }

    #[test]
    fn mmc_textbook_values() {
        // M/M/2 with ρ: L = 2ρ / (1 − ρ²)  [GH §2.3].
        for rho in [0.1, 0.5, 0.9, 0.99] {
            let r = mmc(2.0 * rho, 1.0, 2).unwrap();
            assert_close!(r.mean_in_system, 2.0 * rho / (1.0 - rho * rho), 1e-12);
            assert_close!(r.mean_in_system, r.mean_queue_length + 2.0 * rho, 1e-12);
        }
        // M/M/4, a = 3.2, E[S] = 0.5 s: Wq = C E[S] / (c − a).
        let r = mmc(6.4, 0.5, 4).unwrap();
        let c = erlang_c_direct(4, 3.2);
        assert_close!(r.mean_wait, c * 0.5 / 0.8, 1e-12);
        assert_close!(r.mean_response, r.mean_wait + 0.5, 1e-15);
        // Little's law.
        assert_close!(r.mean_queue_length, 6.4 * r.mean_wait, 1e-15);
        assert_close!(r.mean_in_system, 6.4 * r.mean_response, 1e-15);
        // Many servers, moderate load: almost nobody waits.
        let big = mmc(5000.0, 1.0, 10_000).unwrap();
        assert!(big.prob_wait < 1e-300 && big.mean_response == 1.0);
    }

    #[test]
    fn open_models_reject_invalid_or_unstable_input() {
        assert!(mm1(1.0, 1.0).is_none());
        assert!(mm1(2.0, 1.0).is_none());
        assert!(mmc(4.0, 1.0, 4).is_none());
        assert!(mmc(1.0, 1.0, 0).is_none());
        assert!(mmc(-1.0, 1.0, 2).is_none());
        assert!(mmc(1.0, 0.0, 2).is_none());
        assert!(mmc(f64::NAN, 1.0, 2).is_none());
        assert!(mmc(1.0, f64::INFINITY, 2).is_none());
        assert!(mg1_pk(0.5, 1.0, 0.5).is_none()); // E[S²] < E[S]²
        assert!(mg1_pk(1.0, 1.0, 2.0).is_none());
        assert!(mg1_pk(0.5, 1.0, f64::NAN).is_none());
        assert!(md1(2.0, 0.5).is_none());
        assert!(mg1_ps_response(1.0, 1.0).is_none());
        assert!(mg1_ps_response(0.5, -1.0).is_none());
        assert!(tandem_mmc(1.0, &[(0.5, 1), (1.0, 1)]).is_none());
        assert!(tandem_mmc(-1.0, &[]).is_none());
        assert!(mm1_response_quantile(0.5, 1.0, 1.0).is_none());
        assert!(mm1_response_quantile(0.5, 1.0, -0.1).is_none());
        assert!(mm1_response_quantile(0.5, 1.0, f64::NAN).is_none());
        assert!(mmc_wait_quantile(3.0, 1.0, 3, 0.5).is_none());
        assert!(mmc_wait_tail(1.0, 1.0, 3, -1.0).is_none());
        assert!(mmc_wait_tail(1.0, 1.0, 3, f64::NAN).is_none());
    }

    #[test]
    fn pollaczek_khinchine_textbook_values() {
        // M/D/1, ρ = 0.5, E[S] = 1: Wq = 0.5, W = 1.5, Lq = 0.25, L = 0.75.
        let r = md1(0.5, 1.0).unwrap();
        assert_close!(r.mean_wait, 0.5, 1e-15);
        assert_close!(r.mean_response, 1.5, 1e-15);
        assert_close!(r.mean_queue_length, 0.25, 1e-15);
        assert_close!(r.mean_in_system, 0.75, 1e-15);
        // Exponential service (E[S²] = 2 E[S]²) reproduces M/M/1.
        for (lambda, s) in [(0.8, 1.0), (3.0, 0.2), (0.01, 10.0)] {
            let pk = mg1_pk(lambda, s, 2.0 * s * s).unwrap();
            let mm = mm1(lambda, s).unwrap();
            assert_close!(pk.mean_wait, mm.mean_wait, 1e-13);
            assert_close!(pk.mean_response, mm.mean_response, 1e-13);
            assert_close!(pk.mean_in_system, mm.mean_in_system, 1e-13);
        }
        // M/D/1 waits half as long as M/M/1.
        assert_close!(
            md1(0.9, 1.0).unwrap().mean_wait,
            mm1(0.9, 1.0).unwrap().mean_wait / 2.0,
            1e-13
        );
        // Erlang-2 service, E[S] = 1: E[S²] = 1.5; ρ = 0.6 gives Wq = 1.125.
        assert_close!(mg1_pk(0.6, 1.0, 1.5).unwrap().mean_wait, 1.125, 1e-14);
    }

    #[test]
    fn processor_sharing_matches_mm1_mean() {
        // PS and FCFS have the same mean response for exponential service.
        for (lambda, s) in [(0.8, 1.0), (3.0, 0.2), (0.0, 4.0)] {
            assert_close!(
                mg1_ps_response(lambda, s).unwrap(),
                mm1(lambda, s).unwrap().mean_response,
                1e-14
            );
        }
        assert_close!(mg1_ps_response(0.5, 1.0).unwrap(), 2.0, 1e-15);
    }

    #[test]
    fn tandem_is_sum_of_stations() {
        // λ = 1: M/M/1 with E[S] = 0.5 (W = 1), M/M/2 with E[S] = 1 (a = 1:
        // W = 1 + C/(2−1) = 4/3), M/M/1 with E[S] = 0.8 (W = 4).
        let stations = [(0.5, 1), (1.0, 2), (0.8, 1)];
        let total = tandem_mmc(1.0, &stations).unwrap();
        assert_close!(total, 1.0 + 4.0 / 3.0 + 4.0, 1e-13);
        let each = tandem_mmc_stations(1.0, &stations).unwrap();
        assert_eq!(each.len(), 3);
        assert_close!(each[1].prob_wait, 1.0 / 3.0, 1e-14);
        assert_eq!(tandem_mmc(1.0, &[]), Some(0.0));
    }

    #[test]
    fn mm1_response_quantiles() {
        // ρ = 0.8, E[S] = 1: T ~ Exp(rate 0.2), mean 5.
        let median = mm1_response_quantile(0.8, 1.0, 0.5).unwrap();
        assert_close!(median, 5.0 * std::f64::consts::LN_2, 1e-14);
        let p99 = mm1_response_quantile(0.8, 1.0, 0.99).unwrap();
        assert_close!(p99, 5.0 * 100f64.ln(), 1e-13);
        assert_eq!(mm1_response_quantile(0.8, 1.0, 0.0), Some(0.0));
        // Round trip through the exponential CDF.
        for q in [0.1, 0.9, 0.999_999] {
            let t = mm1_response_quantile(0.3, 2.0, q).unwrap();
            assert_close!(1.0 - (-t * (1.0 - 0.6) / 2.0).exp(), q, 1e-12);
        }
    }

    #[test]
    fn mmc_wait_distribution() {
        // M/M/2, a = 1, E[S] = 1: C = 1/3, P(Wq > t) = e^{−t}/3.
        assert_close!(mmc_wait_tail(1.0, 1.0, 2, 0.0).unwrap(), 1.0 / 3.0, 1e-14);
        assert_close!(
            mmc_wait_tail(1.0, 1.0, 2, 2.0).unwrap(),
            (-2.0f64).exp() / 3.0,
            1e-14
        );
        assert_eq!(mmc_wait_quantile(1.0, 1.0, 2, 0.5), Some(0.0));
        assert_eq!(mmc_wait_quantile(1.0, 1.0, 2, 2.0 / 3.0), Some(0.0));
        // 1 − e^{−t}/3 = 0.9  ⇒  t = ln(10/3).
        assert_close!(
            mmc_wait_quantile(1.0, 1.0, 2, 0.9).unwrap(),
            (10.0f64 / 3.0).ln(),
            1e-13
        );
        // M/M/1: P(Wq > t) = ρ e^{−(μ−λ)t}; quantile and tail are inverse.
        for q in [0.5, 0.95, 0.999] {
            let t = mmc_wait_quantile(0.8, 1.0, 1, q).unwrap();
            assert_close!(0.8 * (-0.2 * t).exp(), 1.0 - q, 1e-12);
            assert_close!(mmc_wait_tail(0.8, 1.0, 1, t).unwrap(), 1.0 - q, 1e-12);
        }
        // The mean of the distribution is Wq: ∫ P(Wq > t) dt = C E[S]/(c − a).
        let r = mmc(6.4, 0.5, 4).unwrap();
        let decay = (4.0 - 3.2) / 0.5;
        assert_close!(r.prob_wait / decay, r.mean_wait, 1e-14);
    }

    // -- Closed networks ---------------------------------------------------

    /// Buzen's convolution algorithm, in log space, for general load-dependent
    /// stations: an oracle for MVA that shares none of its code. The think
    /// time is a delay station. Returns (X, R_k, Q_k, per-server U_k).
    fn buzen(customers: u32, think_time: f64, stations: &[MvaStation]) -> MvaResult {
        let n_max = customers as usize;
        // ln f_k(n), with f_k(n) = D^n / Π_{j=1..n} β_k(j), β = service
        // capacity with j present: 1 (queue), j (delay), min(j, c) (multi).
        let log_factors = |demand: f64, capacity: &dyn Fn(usize) -> f64| -> Vec<f64> {
            let mut f = vec![0.0; n_max + 1];
            for n in 1..=n_max {
                f[n] = f[n - 1] + demand.ln() - capacity(n).ln();
            }
            f
        };
        let factors_of = |station: &MvaStation| match *station {
            MvaStation::Queueing { demand } => log_factors(demand, &|_| 1.0),
            MvaStation::Delay { demand } => log_factors(demand, &|j| j as f64),
            MvaStation::MultiServer { demand, servers } => {
                log_factors(demand, &|j| j.min(servers as usize) as f64)
            }
        };
        let convolve = |a: &[f64], b: &[f64]| -> Vec<f64> {
            (0..=n_max)
                .map(|n| {
                    let terms: Vec<f64> = (0..=n).map(|j| a[j] + b[n - j]).collect();
                    log_sum_exp(&terms)
                })
                .collect()
        };
        let think = log_factors(think_time, &|j| j as f64);
        let factors: Vec<Vec<f64>> = stations.iter().map(factors_of).collect();
        let normalizing = |skip: Option<usize>| {
            let mut g = think.clone();
            for (k, f) in factors.iter().enumerate() {
                if Some(k) != skip {
                    g = convolve(&g, f);
                }
            }
            g
        };
        let g = normalizing(None);
        let throughput = (g[n_max - 1] - g[n_max]).exp();
        let mut result = MvaResult {
            throughput,
            response_time: 0.0,
            per_station_response: Vec::new(),
            per_station_queue: Vec::new(),
            per_station_utilization: Vec::new(),
        };
        for (k, station) in stations.iter().enumerate() {
            let g_without = normalizing(Some(k));
            let marginal: Vec<f64> = (0..=n_max)
                .map(|j| (factors[k][j] + g_without[n_max - j] - g[n_max]).exp())
                .collect();
            let queue: f64 = marginal.iter().enumerate().map(|(j, p)| j as f64 * p).sum();
            let busy_fraction = match *station {
                MvaStation::Queueing { .. } => 1.0 - marginal[0],
                MvaStation::Delay { .. } => queue,
                MvaStation::MultiServer { servers, .. } => {
                    let c = servers as usize;
                    let busy: f64 = marginal
                        .iter()
                        .enumerate()
                        .map(|(j, p)| j.min(c) as f64 * p)
                        .sum();
                    busy / c as f64
                }
            };
            result.per_station_queue.push(queue);
            result.per_station_response.push(queue / throughput);
            result.per_station_utilization.push(busy_fraction);
        }
        result.response_time = result.per_station_response.iter().sum();
        result
    }

    fn assert_same(actual: &MvaResult, expected: &MvaResult, tol: f64, what: &str) {
        let ok = close(actual.throughput, expected.throughput, tol)
            && close(actual.response_time, expected.response_time, tol)
            && actual.per_station_queue.len() == expected.per_station_queue.len()
            && [
                (&actual.per_station_response, &expected.per_station_response),
                (&actual.per_station_queue, &expected.per_station_queue),
                (
                    &actual.per_station_utilization,
                    &expected.per_station_utilization,
                ),
            ]
            .iter()
            .all(|(a, e)| a.iter().zip(e.iter()).all(|(&a, &e)| close(a, e, tol)));
        assert!(
            ok,
            "{what}:\n  got      {actual:?}\n  expected {expected:?}"
        );
    }

    #[test]
    fn mva_single_customer() {
        // One customer never queues: X = 1 / (Z + Σ D), R_k = D_k.
        let stations = [
            MvaStation::Queueing { demand: 0.2 },
            MvaStation::Delay { demand: 0.3 },
            MvaStation::MultiServer {
                demand: 0.5,
                servers: 3,
            },
        ];
        let r = mva(1, 4.0, &stations);
        assert_close!(r.throughput, 1.0 / 5.0, 1e-15);
        assert_close!(r.response_time, 1.0, 1e-15);
        assert_eq!(r.per_station_response, vec![0.2, 0.3, 0.5]);
        let none = mva(0, 4.0, &stations);
        assert_eq!(none.throughput, 0.0);
        assert_eq!(none.per_station_response, vec![0.2, 0.3, 0.5]);
        assert_eq!(none.per_station_queue, vec![0.0; 3]);
    }

    #[test]
    fn mva_single_queue_without_think_time_runs_at_capacity() {
        for n in 1..=50 {
            let r = mva(n, 0.0, &[MvaStation::Queueing { demand: 0.25 }]);
            assert_close!(r.throughput, 4.0, 1e-13);
            assert_close!(r.per_station_queue[0], f64::from(n), 1e-13);
            assert_close!(r.response_time, 0.25 * f64::from(n), 1e-13);
        }
    }

    #[test]
    fn mva_two_identical_queues_closed_form() {
        // G(N) = (N + 1) D^N, so X(N) = N / ((N + 1) D) and Q = N/2 each.
        for n in 1..=30 {
            let d = 0.4;
            let q = MvaStation::Queueing { demand: d };
            let r = mva(n, 0.0, &[q, q]);
            let nf = f64::from(n);
            assert_close!(r.throughput, nf / ((nf + 1.0) * d), 1e-13);
            assert_close!(r.per_station_queue[0], nf / 2.0, 1e-13);
            assert_close!(r.per_station_utilization[1], nf / (nf + 1.0), 1e-13);
        }
    }

    #[test]
    fn mva_machine_repairman_closed_form() {
        // Finite-source M/M/1//N: N terminals thinking Z, one server with
        // demand D. P0 = 1 / Σ_{k=0..N} N!/(N−k)! (D/Z)^k, X = (1 − P0) / D
        // [Kleinrock §3.8, GH §2.7].
        let (z, d) = (5.0, 0.4);
        for n in 1..=40_u32 {
            let mut sum = 0.0;
            let mut term = 1.0;
            for k in 0..=n {
                sum += term;
                term *= f64::from(n - k) * d / z;
            }
            let x = (1.0 - 1.0 / sum) / d;
            let r = mva(n, z, &[MvaStation::Queueing { demand: d }]);
            assert_close!(r.throughput, x, 1e-12);
            // Response-time law: R = N / X − Z.
            assert_close!(r.response_time, f64::from(n) / x - z, 1e-10);
        }
    }

    #[test]
    fn mva_respects_asymptotic_bounds() {
        let stations = [
            MvaStation::Queueing { demand: 0.3 },
            MvaStation::Queueing { demand: 0.5 },
            MvaStation::Delay { demand: 1.0 },
            MvaStation::Queueing { demand: 0.1 },
        ];
        let (z, d_total, d_max) = (2.0, 1.9, 0.5);
        let mut previous = 0.0;
        for n in 1..=50 {
            let r = mva(n, z, &stations);
            let nf = f64::from(n);
            // X <= min(N / (D + Z), 1 / Dmax), R >= max(D, N Dmax − Z) [QSP ch. 5].
            assert!(r.throughput <= (nf / (d_total + z)).min(1.0 / d_max) * (1.0 + 1e-12));
            assert!(r.response_time >= d_total.max(nf * d_max - z) * (1.0 - 1e-12));
            assert!(r.throughput >= previous, "throughput must not fall with N");
            previous = r.throughput;
            assert_close!(nf, r.throughput * (r.response_time + z), 1e-12);
            let queued: f64 = r.per_station_queue.iter().sum();
            assert_close!(queued, r.throughput * r.response_time, 1e-12);
        }
        assert_close!(mva(500, z, &stations).throughput, 2.0, 1e-9);
    }

    #[test]
    fn mva_matches_convolution_algorithm() {
        let networks: Vec<(f64, Vec<MvaStation>)> = vec![
            (
                0.0,
                vec![
                    MvaStation::Queueing { demand: 0.3 },
                    MvaStation::Queueing { demand: 0.7 },
                ],
            ),
            (
                2.0,
                vec![
                    MvaStation::Queueing { demand: 0.3 },
                    MvaStation::Delay { demand: 0.9 },
                    MvaStation::Queueing { demand: 0.45 },
                ],
            ),
            (
                1.0,
                vec![
                    MvaStation::MultiServer {
                        demand: 0.8,
                        servers: 2,
                    },
                    MvaStation::Queueing { demand: 0.25 },
                ],
            ),
            (
                3.0,
                vec![
                    MvaStation::MultiServer {
                        demand: 1.2,
                        servers: 3,
                    },
                    MvaStation::MultiServer {
                        demand: 0.9,
                        servers: 4,
                    },
                    MvaStation::Queueing { demand: 0.2 },
                ],
            ),
            (
                0.0,
                vec![
                    MvaStation::MultiServer {
                        demand: 2.0,
                        servers: 5,
                    },
                    MvaStation::Delay { demand: 0.5 },
                    MvaStation::Queueing { demand: 0.0 },
                ],
            ),
        ];
        for (z, stations) in &networks {
            for n in 1..=10 {
                let what = format!("N = {n}, Z = {z}, {stations:?}");
                assert_same(&mva(n, *z, stations), &buzen(n, *z, stations), 1e-11, &what);
            }
        }
    }

    #[test]
    fn multi_server_reduces_to_queueing_and_delay() {
        // Exercise the load-dependent recursion itself on c = 1 and c >= N.
        let others = [
            MvaStation::Queueing { demand: 0.3 },
            MvaStation::Delay { demand: 0.6 },
        ];
        for n in 1..=15 {
            for (servers, equivalent) in [
                (1, MvaStation::Queueing { demand: 0.9 }),
                (n, MvaStation::Delay { demand: 0.9 }),
                (n + 3, MvaStation::Delay { demand: 0.9 }),
            ] {
                let multi = MvaStation::MultiServer {
                    demand: 0.9,
                    servers,
                };
                let with_multi = [multi, others[0], others[1]];
                let with_equivalent = [equivalent, others[0], others[1]];
                let mut expected = mva(n, 1.5, &with_equivalent);
                expected.per_station_utilization[0] /= f64::from(servers);
                let what = format!("N = {n}, c = {servers}");
                assert_same(
                    &solve_mva(n, 1.5, &with_multi, false),
                    &expected,
                    1e-12,
                    &what,
                );
                assert_same(&mva(n, 1.5, &with_multi), &expected, 1e-12, &what);
            }
        }
    }

    #[test]
    fn multi_server_mva_is_stable_for_large_populations() {
        // A saturated 4-server and 8-server tier: the textbook recursion
        // p(0|n) = 1 − Σ p(j|n) yields negative probabilities here by N = 100.
        let networks = [
            (
                10.0,
                vec![
                    MvaStation::MultiServer {
                        demand: 4.0,
                        servers: 4,
                    },
                    MvaStation::Queueing { demand: 0.5 },
                ],
            ),
            (
                10.0,
                vec![
                    MvaStation::MultiServer {
                        demand: 8.0,
                        servers: 8,
                    },
                    MvaStation::MultiServer {
                        demand: 2.0,
                        servers: 3,
                    },
                    MvaStation::Delay { demand: 1.0 },
                ],
            ),
            (
                50.0,
                vec![
                    MvaStation::MultiServer {
                        demand: 1.5,
                        servers: 16,
                    },
                    MvaStation::MultiServer {
                        demand: 0.3,
                        servers: 2,
                    },
                    MvaStation::Queueing { demand: 0.08 },
                ],
            ),
        ];
        for (z, stations) in &networks {
            for n in [50, 100, 200] {
                let what = format!("N = {n}, Z = {z}, {stations:?}");
                let r = mva(n, *z, stations);
                assert_same(&r, &buzen(n, *z, stations), 1e-10, &what);
                assert!(r.per_station_utilization.iter().all(|&u| u <= 1.0 + 1e-12));
            }
        }
    }

    #[test]
    #[should_panic(expected = "non-negative")]
    fn mva_rejects_negative_demand() {
        let _ = mva(3, 1.0, &[MvaStation::Queueing { demand: -1.0 }]);
    }

    #[test]
    #[should_panic(expected = "infinite")]
    fn mva_rejects_zero_total_demand() {
        let _ = mva(3, 0.0, &[MvaStation::Queueing { demand: 0.0 }]);
    }

    #[test]
    #[should_panic(expected = "servers >= 1")]
    fn mva_rejects_zero_servers() {
        let _ = mva(
            3,
            1.0,
            &[MvaStation::MultiServer {
                demand: 1.0,
                servers: 0,
            }],
        );
    }

    fn arbitrary_station() -> impl Strategy<Value = MvaStation> {
        prop_oneof![
            (0.0..2.0_f64).prop_map(|demand| MvaStation::Queueing { demand }),
            (0.0..2.0_f64).prop_map(|demand| MvaStation::Delay { demand }),
            (0.0..4.0_f64, 1..6_u32)
                .prop_map(|(demand, servers)| MvaStation::MultiServer { demand, servers }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn erlang_b_is_a_probability_monotone_in_servers_and_load(
            c in 0_u32..300,
            a in 0.0..400.0_f64,
            extra in 0.0..50.0_f64,
        ) {
            let b = erlang_b(c, a);
            prop_assert!((0.0..=1.0).contains(&b));
            prop_assert!(erlang_b(c + 1, a) <= b);
            prop_assert!(erlang_b(c, a + extra) >= b);
            if a < f64::from(c) {
                let w = erlang_c(c, a);
                prop_assert!((b..=1.0).contains(&w));
            }
        }

        #[test]
        fn mva_agrees_with_convolution_on_random_networks(
            stations in prop::collection::vec(arbitrary_station(), 1..4),
            think_time in 0.0..5.0_f64,
            customers in 1_u32..12,
        ) {
            let total: f64 = think_time + stations.iter().map(MvaStation::demand).sum::<f64>();
            prop_assume!(total > 1e-3);
            let r = mva(customers, think_time, &stations);
            let expected = buzen(customers, think_time, &stations);
            prop_assert!(close(r.throughput, expected.throughput, 1e-9));
            for (a, e) in r.per_station_queue.iter().zip(&expected.per_station_queue) {
                prop_assert!((a - e).abs() <= 1e-9 * f64::from(customers));
            }
        }
    }
}
