//! Load balancers: which front-end of a zone gets the next request, and
//! what the balancer believes about each front-end's health.
//!
//! Why this file exists: the balancing policy (round robin, least
//! connections, random, power of two choices) and health checks decide how
//! evenly front-ends are loaded and how many requests a dead front-end
//! swallows before it is marked down.

use rand::RngExt;

use super::Sim;
use crate::model::spec::Balancer;

impl Sim<'_> {
    /// The front-end of `zone` the balancer sends the next request to, among
    /// those it believes up (it may be dead and not yet detected); `None`
    /// when it believes none is up.
    pub(super) fn pick_front_end(&mut self, zone: usize) -> Option<usize> {
        let range = self.zone_fes[zone].clone();
        let n = range.len();
        let up = |s: &Self, f: usize| s.fes[f].balancer_up;
        match self.m.zones[zone].balancer {
            Balancer::RoundRobin => {
                for _ in 0..n {
                    let k = self.zone_rr[zone] % n;
                    self.zone_rr[zone] = (k + 1) % n;
                    if up(self, range.start + k) {
                        return Some(range.start + k);
                    }
                }
                None
            }
            Balancer::LeastConnections => range
                .filter(|&f| up(self, f))
                .min_by_key(|&f| self.fes[f].active),
            Balancer::Random | Balancer::PowerOfTwoChoices => {
                let count = range.clone().filter(|&f| up(self, f)).count();
                if count == 0 {
                    return None;
                }
                let nth = |s: &Self, k: usize| range.clone().filter(|&f| up(s, f)).nth(k);
                let a = self.zone_rng[zone].random_range(0..count);
                let first = nth(self, a)?;
                if self.m.zones[zone].balancer == Balancer::Random || count == 1 {
                    return Some(first);
                }
                let b = self.zone_rng[zone].random_range(0..count);
                let second = nth(self, b)?;
                Some(if self.fes[second].active < self.fes[first].active {
                    second
                } else {
                    first
                })
            }
        }
    }

    /// The health checks have failed `health_failures` times since the
    /// front-end stopped: the balancer stops sending to it (unless it came
    /// back or failed again meanwhile, which a new epoch tells).
    pub(super) fn health_down(&mut self, fe: usize, epoch: u32) {
        let f = &mut self.fes[fe];
        if f.epoch == epoch && !f.up {
            f.balancer_up = false;
        }
    }

    /// A health check has passed since the front-end came back: the
    /// balancer sends to it again.
    pub(super) fn health_up(&mut self, fe: usize, epoch: u32) {
        let f = &mut self.fes[fe];
        if f.epoch == epoch && f.up {
            f.balancer_up = true;
        }
    }
}
