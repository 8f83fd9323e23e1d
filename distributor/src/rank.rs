//! The rank engine (pure): the weekly walk of DESIGN §4.
//!
//! Days are local calendar days numbered from 1970-01-01 (the time zone cut happens in SQL);
//! weeks run Monday to Sunday. Per member, from the later of the joining day and the launch
//! day of the tokenomics ([`RankParams::launch_day`]; ranks start at launch, so the weeks
//! before it, with no recorded activity, decay no one):
//!
//! * a member starts at the entry rank of the highest qualification held on that day
//!   (every member holds at least the lowest qualification of the ladder);
//! * a qualification granted later lifts the rank to (at least) its entry rank — from the
//!   grant's day (`immediate`) or the next Monday (`next_week`) — only when it raises the
//!   highest qualification held: a repeated grant of a qualification already held (a re-sent
//!   row) or a grant of a lower one changes nothing, so an idle master keeps the title but
//!   not the rank; qualifications are never lost;
//! * at the end of each week: a week with at least `grow_min_active_days` active *paying*
//!   days raises the rank by `grow_step`, capped at the entry rank of the next qualification
//!   above the highest one held (the top qualification is capped by the rank table); a week
//!   with at most `decay_max_active_days` lowers it by `decay_step`, down to rank 1 (the
//!   qualification stays); anything in between holds. A week without a single paying day
//!   holds or decays per `unpaid_week`.
//!
//! Only days on which the person was a paying member count, so a week is "full" only if it
//! was paid and active on every day (with the default threshold of 7).
//!
//! A walk can also resume from a [`Checkpoint`]: the rank a member held at the start of a
//! week, as an earlier walk recorded it. The state carried from week to week is only that rank
//! and the highest qualification held (re-read from the grants), so resuming at a week
//! boundary gives exactly what walking from joining gives — and the activity before the
//! checkpoint is no longer needed (the report then reads one month of events, not all history).
use crate::config::{Config, QualificationLift, RankRules, UnpaidWeek};

/// A local calendar day, days since 1970-01-01.
pub type Day = i32;

/// Monday = 0 … Sunday = 6 (1970-01-01 was a Thursday).
pub fn weekday(day: Day) -> i32 {
    (day + 3).rem_euclid(7)
}

/// The Monday of `day`'s week.
pub fn week_start(day: Day) -> Day {
    day - weekday(day)
}

/// The parameters of the walk, extracted from the configuration.
#[derive(Debug, Clone)]
pub struct RankParams {
    pub rules: RankRules,
    /// Entry rank of each qualification, lowest first (strictly increasing).
    pub entry_ranks: Vec<u16>,
    pub max_rank: u16,
    /// The launch day of the tokenomics: no walk starts before it.
    pub launch_day: Day,
}

impl RankParams {
    pub fn from_config(config: &Config) -> Self {
        RankParams {
            rules: config.ranks.clone(),
            entry_ranks: config.qualifications.iter().map(|q| q.entry_rank).collect(),
            max_rank: config.max_rank(),
            launch_day: config.launch_day(),
        }
    }

    /// The day a member's walk starts: joining, or the launch if the member joined before.
    pub fn start_day(&self, join_day: Day) -> Day {
        join_day.max(self.launch_day)
    }

    /// The highest rank weekly growth can reach while `top` is the highest qualification held.
    pub fn growth_cap(&self, top: usize) -> u16 {
        self.entry_ranks.get(top + 1).copied().unwrap_or(self.max_rank)
    }
}

/// What the walk needs to know about one member.
#[derive(Debug, Clone, Default)]
pub struct MemberHistory {
    pub join_day: Day,
    /// Paid periods, both ends inclusive, any order.
    pub paid: Vec<(Day, Day)>,
    /// `(day, qualification index)` grants, sorted by day.
    pub grants: Vec<(Day, usize)>,
    /// Days with at least one accepted action, sorted, unique.
    pub active_days: Vec<Day>,
}

impl MemberHistory {
    pub fn is_paid(&self, day: Day) -> bool {
        self.paid.iter().any(|&(s, e)| s <= day && day <= e)
    }
}

/// One evaluated week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeekRank {
    pub week_start: Day,
    /// The rank the week started with (before any lift inside the week).
    pub rank_start: u16,
    /// The rank the next week starts with (after the evaluation and any pending lift). For a
    /// week that ends after the walk's last day, the rank held at that day (not evaluated).
    pub rank_end: u16,
    /// Paying member days of the week, and of those the active ones.
    pub paid_days: u8,
    pub active_days: u8,
    /// Whether the week ended inside the walk and was evaluated.
    pub evaluated: bool,
}

/// The rank a member held at the start of the week beginning on `week_start` (a Monday),
/// before any lift inside that week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    pub week_start: Day,
    pub rank: u16,
}

impl Checkpoint {
    /// Whether a walk reporting from `from` can resume here: the member's walk started
    /// ([`RankParams::start_day`]) before the checkpoint's week, which is a Monday no later
    /// than `from`'s week.
    pub fn applies(&self, start_day: Day, from: Day) -> bool {
        weekday(self.week_start) == 0
            && start_day < self.week_start
            && self.week_start <= week_start(from)
            && self.rank >= 1
    }
}

/// The result of a walk over `[from, to]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankWalk {
    /// Rank on each day of `[from, to]`; 0 before the member joined.
    pub day_ranks: Vec<u16>,
    /// Weeks that intersect `[from, to]` (and the member's membership).
    pub weeks: Vec<WeekRank>,
    /// Highest qualification held on `to`, if the member had joined by then.
    pub qualification: Option<usize>,
    /// Where a later walk can resume: the rank at the start of the week of `to + 1`, for a
    /// member who joined before that week.
    pub checkpoint: Option<Checkpoint>,
}

/// Walks one member from the start ([`RankParams::start_day`]) through `to`, reporting the
/// days `[from, to]`.
pub fn walk(params: &RankParams, history: &MemberHistory, from: Day, to: Day) -> RankWalk {
    walk_from(params, history, None, from, to)
}

/// Like [`walk`], but starting at `resume` when it [applies](Checkpoint::applies) (then the
/// history's active days before the checkpoint's week are not read); otherwise from the start.
pub fn walk_from(
    params: &RankParams,
    history: &MemberHistory,
    resume: Option<Checkpoint>,
    from: Day,
    to: Day,
) -> RankWalk {
    let rules = &params.rules;
    let mut out = RankWalk {
        day_ranks: Vec::with_capacity((to - from + 1).max(0) as usize),
        weeks: Vec::new(),
        qualification: None,
        checkpoint: None,
    };
    // Days before the start (joining, or the launch) have no rank.
    let join = params.start_day(history.join_day);
    if join > to {
        out.day_ranks.resize((to - from + 1).max(0) as usize, 0);
        return out;
    }
    for d in from..join.min(to + 1) {
        let _ = d;
        out.day_ranks.push(0);
    }

    let mut grants = history.grants.iter().peekable();
    let mut active = history.active_days.iter().peekable();
    let mut top: usize = 0;
    // Set on the start day.
    let mut rank: u16 = 0;
    // A lift waiting for the week's end; always applied by then, so zero at every week start.
    let mut pending_lift: u16 = 0;
    let mut ws = week_start(join);
    if let Some(c) = resume.filter(|c| c.applies(join, from)) {
        // The qualifications granted before the checkpoint's week; their lifts are in its rank.
        while let Some(&&(_, q)) = grants.peek().filter(|g| g.0 < c.week_start) {
            grants.next();
            top = top.max(q.min(params.entry_ranks.len() - 1));
        }
        ws = c.week_start;
        rank = c.rank;
    }
    let next_week = week_start(to + 1);
    while ws <= to {
        if ws == next_week && join < next_week {
            out.checkpoint = Some(Checkpoint { week_start: ws, rank });
        }
        let rank_start_of_week = rank;
        let (mut paid_days, mut active_days) = (0u8, 0u8);
        let mut week_rank_start = None;
        for d in ws..ws + 7 {
            if d > to {
                break;
            }
            if d < join {
                continue;
            }
            // Grants up to and including today.
            let mut lifted_to: u16 = 0;
            while let Some(&&(gday, q)) = grants.peek() {
                if gday > d {
                    break;
                }
                grants.next();
                let q = q.min(params.entry_ranks.len() - 1);
                // Only a grant that raises the highest qualification held lifts the rank: a
                // re-sent row, or a lower qualification, must not undo a decay.
                if q > top {
                    top = q;
                    lifted_to = lifted_to.max(params.entry_ranks[q]);
                }
            }
            if d == join {
                rank = params.entry_ranks[top].max(1);
            } else if lifted_to > 0 {
                match rules.qualification_lift {
                    QualificationLift::Immediate => rank = rank.max(lifted_to),
                    QualificationLift::NextWeek => pending_lift = pending_lift.max(lifted_to),
                }
            }
            if week_rank_start.is_none() {
                week_rank_start = Some(if d == join { rank } else { rank_start_of_week });
            }
            while active.peek().is_some_and(|&&a| a < d) {
                active.next();
            }
            let is_active = active.peek().is_some_and(|&&a| a == d);
            if history.is_paid(d) {
                paid_days += 1;
                if is_active {
                    active_days += 1;
                }
            }
            if d >= from {
                out.day_ranks.push(rank);
            }
        }
        let evaluated = ws + 6 <= to;
        if evaluated {
            let grow = if paid_days == 0 {
                match rules.unpaid_week {
                    UnpaidWeek::Hold => None,
                    UnpaidWeek::Decay => Some(false),
                }
            } else if active_days >= rules.grow_min_active_days {
                Some(true)
            } else if active_days <= rules.decay_max_active_days {
                Some(false)
            } else {
                None
            };
            match grow {
                Some(true) => {
                    let cap = params.growth_cap(top);
                    if rank < cap {
                        rank = rank.saturating_add(rules.grow_step).min(cap);
                    }
                }
                Some(false) => rank = rank.saturating_sub(rules.decay_step).max(1),
                None => {}
            }
            if pending_lift > 0 {
                rank = rank.max(pending_lift);
                pending_lift = 0;
            }
        }
        if ws + 6 >= from {
            out.weeks.push(WeekRank {
                week_start: ws,
                rank_start: week_rank_start.unwrap_or(rank),
                rank_end: rank,
                paid_days,
                active_days,
                evaluated,
            });
        }
        ws += 7;
    }
    if ws == next_week && join < next_week {
        out.checkpoint = Some(Checkpoint { week_start: ws, rank });
    }
    out.qualification = Some(top);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn params() -> RankParams {
        RankParams::from_config(&Config::default_config())
    }

    /// 2027-01-04, a Monday.
    const MON: Day = 20_822;

    fn all_days(from: Day, to: Day) -> Vec<Day> {
        (from..=to).collect()
    }

    /// Joined on Monday `MON`, paying and active every day for 100 days, no grants.
    fn daily_learner() -> MemberHistory {
        MemberHistory {
            join_day: MON,
            paid: vec![(MON, MON + 100)],
            grants: vec![],
            active_days: all_days(MON, MON + 100),
        }
    }

    #[test]
    fn monday_is_monday() {
        assert_eq!(weekday(MON), 0);
        assert_eq!(crate::rank::week_start(MON + 6), MON);
        assert_eq!(stk_common::calendar::civil_from_days(MON as i64), (2027, 1, 4));
    }

    #[test]
    fn five_full_weeks_reach_the_next_entry_rank_and_stop() {
        let p = params();
        let h = daily_learner();
        let w = walk(&p, &h, MON, MON + 7 * 7 - 1);
        let ends: Vec<u16> = w.weeks.iter().map(|w| w.rank_end).collect();
        // Freshman entry 1, Learner entry 6: +1 per full week, capped at 6 (still a freshman).
        assert_eq!(ends, vec![2, 3, 4, 5, 6, 6, 6]);
        assert_eq!(w.qualification, Some(0));
        assert_eq!(w.day_ranks[0], 1);
        assert_eq!(w.day_ranks[7 * 5], 6);
    }

    #[test]
    fn idle_master_falls_to_the_lowest_rank_but_stays_master() {
        let p = params();
        let h = MemberHistory {
            join_day: MON,
            paid: vec![(MON, MON + 400)],
            grants: vec![(MON, 3)],
            active_days: vec![],
        };
        let w = walk(&p, &h, MON, MON + 7 * 20 - 1);
        assert_eq!(w.weeks[0].rank_start, 16);
        let ends: Vec<u16> = w.weeks.iter().map(|w| w.rank_end).collect();
        assert_eq!(&ends[..4], &[15, 14, 13, 12]);
        assert!(ends[15..].iter().all(|&r| r == 1), "{ends:?}");
        assert_eq!(w.qualification, Some(3), "a master stays a master");
        // Activity again: grows back towards the reformer entry rank, one step per week.
        let mut h2 = h.clone();
        h2.active_days = all_days(MON + 140, MON + 160);
        let w2 = walk(&p, &h2, MON + 140, MON + 154);
        assert_eq!(w2.weeks[0].rank_end, 2);
        assert_eq!(w2.weeks[1].rank_end, 3);
    }

    #[test]
    fn partial_weeks_hold() {
        let p = params();
        let active: Vec<Day> = (MON..MON + 28).filter(|d| weekday(*d) != 2).collect();
        let h = MemberHistory {
            join_day: MON,
            paid: vec![(MON, MON + 100)],
            grants: vec![(MON, 1)],
            active_days: active,
        };
        let w = walk(&p, &h, MON, MON + 27);
        assert!(w.weeks.iter().all(|w| w.rank_end == 6 && w.active_days == 6));
    }

    #[test]
    fn subscription_gap_days_do_not_count() {
        let p = params();
        // Active every day, but unpaid on Wednesday of week 2 and all of week 3.
        let h = MemberHistory {
            join_day: MON,
            paid: vec![(MON, MON + 8), (MON + 10, MON + 13), (MON + 21, MON + 100)],
            grants: vec![],
            active_days: all_days(MON, MON + 100),
        };
        let w = walk(&p, &h, MON, MON + 34);
        let rows: Vec<(u16, u8, u8)> =
            w.weeks.iter().map(|w| (w.rank_end, w.paid_days, w.active_days)).collect();
        assert_eq!(rows, vec![(2, 7, 7), (2, 6, 6), (2, 0, 0), (3, 7, 7), (4, 7, 7)]);

        // With unpaid_week = decay, the unpaid week lowers the rank.
        let mut p2 = p.clone();
        p2.rules.unpaid_week = UnpaidWeek::Decay;
        let w = walk(&p2, &h, MON, MON + 34);
        let ends: Vec<u16> = w.weeks.iter().map(|w| w.rank_end).collect();
        assert_eq!(ends, vec![2, 2, 1, 2, 3]);
    }

    #[test]
    fn unpaid_activity_is_not_a_full_week() {
        let p = params();
        let h = MemberHistory {
            join_day: MON,
            paid: vec![],
            grants: vec![],
            active_days: all_days(MON, MON + 30),
        };
        let w = walk(&p, &h, MON, MON + 27);
        assert!(w.weeks.iter().all(|w| w.rank_end == 1 && w.paid_days == 0));
    }

    #[test]
    fn qualification_granted_mid_week() {
        let p = params();
        let h = MemberHistory {
            join_day: MON,
            paid: vec![(MON, MON + 100)],
            // Learner granted on Thursday of week 2 (rank was 2).
            grants: vec![(MON + 10, 1)],
            active_days: all_days(MON, MON + 100),
        };
        let w = walk(&p, &h, MON, MON + 20);
        assert_eq!(&w.day_ranks[7..10], &[2, 2, 2]);
        assert_eq!(&w.day_ranks[10..14], &[6, 6, 6, 6], "immediate lift from the grant day");
        assert_eq!(w.weeks[1].rank_start, 2);
        // Week 2 was full: +1 from the lifted rank, cap is now the practitioner entry (11).
        assert_eq!(w.weeks[1].rank_end, 7);
        assert_eq!(w.qualification, Some(1));

        let mut p2 = p.clone();
        p2.rules.qualification_lift = QualificationLift::NextWeek;
        let w = walk(&p2, &h, MON, MON + 20);
        assert_eq!(&w.day_ranks[10..14], &[2, 2, 2, 2], "next_week: no lift inside the week");
        assert_eq!(w.weeks[1].rank_end, 6, "max(2 + 1, entry 6)");
    }

    #[test]
    fn join_mid_week_and_join_after_window() {
        let p = params();
        let h = MemberHistory {
            join_day: MON + 3,
            paid: vec![(MON + 3, MON + 100)],
            grants: vec![],
            active_days: all_days(MON, MON + 100),
        };
        let w = walk(&p, &h, MON, MON + 13);
        assert_eq!(&w.day_ranks[..4], &[0, 0, 0, 1]);
        assert_eq!(w.weeks[0].paid_days, 4);
        assert_eq!(w.weeks[0].rank_end, 1, "a partial first week holds");
        assert_eq!(w.weeks[1].rank_end, 2);
        let late = MemberHistory { join_day: MON + 50, ..h };
        let w = walk(&p, &late, MON, MON + 13);
        assert_eq!(w.day_ranks, vec![0; 14]);
        assert!(w.weeks.is_empty());
        assert_eq!(w.qualification, None);
    }

    #[test]
    fn checkpoint_is_the_rank_at_the_start_of_the_next_week() {
        let p = params();
        let h = daily_learner();
        // Ends on a Sunday: the next week starts the day after, after three full weeks.
        let w = walk(&p, &h, MON, MON + 20);
        assert_eq!(w.checkpoint, Some(Checkpoint { week_start: MON + 21, rank: 4 }));
        // Ends on a Wednesday: the checkpoint is the start of that same week.
        let w = walk(&p, &h, MON, MON + 16);
        assert_eq!(w.checkpoint, Some(Checkpoint { week_start: MON + 14, rank: 3 }));
        // Joined inside the next week: nothing to resume from.
        let late = MemberHistory { join_day: MON + 15, ..h.clone() };
        assert_eq!(walk(&p, &late, MON, MON + 16).checkpoint, None);
        // A checkpoint that does not apply (member joined after it, or not a Monday) is ignored.
        let c = Checkpoint { week_start: MON + 14, rank: 3 };
        assert!(c.applies(MON, MON + 17) && !c.applies(MON + 14, MON + 17));
        assert!(!Checkpoint { week_start: MON + 15, rank: 3 }.applies(MON, MON + 17));
        assert!(!c.applies(MON, MON + 13), "a checkpoint after the window's first week");
    }

    #[test]
    fn repeated_or_lower_grants_do_not_reset_a_decayed_rank() {
        let p = params();
        // A master since joining, idle for 20 weeks: rank 1 by then.
        let idle = MemberHistory {
            join_day: MON,
            paid: vec![(MON, MON + 400)],
            grants: vec![(MON, 3)],
            active_days: vec![],
        };
        let base = walk(&p, &idle, MON + 140, MON + 160);
        assert!(base.day_ranks.iter().all(|&r| r == 1), "{:?}", base.day_ranks);
        for lift in [QualificationLift::Immediate, QualificationLift::NextWeek] {
            let mut p = p.clone();
            p.rules.qualification_lift = lift;
            // The master row sent again, and a learner row (lower): nothing changes.
            for (day, q) in [(MON + 143, 3), (MON + 143, 1), (MON + 143, 0)] {
                let mut h = idle.clone();
                h.grants.push((day, q));
                assert_eq!(walk(&p, &h, MON + 140, MON + 160), base, "grant {q} ({lift:?})");
            }
            // A higher qualification (reformer) lifts to its entry rank.
            let mut h = idle.clone();
            h.grants.push((MON + 143, 4));
            let w = walk(&p, &h, MON + 140, MON + 160);
            assert_eq!(w.qualification, Some(4));
            let next_monday = match lift {
                // Lifted on Thursday, then the idle week lowers it one step.
                QualificationLift::Immediate => 20,
                QualificationLift::NextWeek => 21,
            };
            assert_eq!(w.weeks[1].rank_start, next_monday, "{lift:?}");
        }
    }

    #[test]
    fn walks_start_at_the_launch_for_members_who_joined_before() {
        // Launch on Friday 2027-01-01; a master who joined two years earlier, paying since
        // then, active every day from the launch on.
        let mut p = params();
        let launch = MON - 3;
        assert_eq!(p.launch_day, launch, "the default launch day is the schedule's first day");
        let h = MemberHistory {
            join_day: MON - 2 * 364,
            paid: vec![(MON - 2 * 364, MON + 100)],
            grants: vec![(MON - 2 * 364, 3)],
            active_days: all_days(launch, MON + 100),
        };
        let w = walk(&p, &h, launch, MON + 27);
        // No rank before the launch's day; the master's entry rank from it on.
        assert_eq!(&w.day_ranks[..3], &[16, 16, 16]);
        // The launch week is partial (3 days, fewer than 7 active): it holds; then +1 a week.
        let ends: Vec<u16> = w.weeks.iter().map(|w| w.rank_end).collect();
        assert_eq!(ends, vec![16, 17, 18, 19, 20]);
        assert_eq!(w.weeks[0].paid_days, 3);
        // Without a launch day (walked from joining), two idle years decayed it to rank 1.
        p.launch_day = Day::MIN;
        let from_joining = walk(&p, &h, launch, MON + 27);
        assert_eq!(from_joining.day_ranks[0], 1);
        // A member who joins after the launch starts on the joining day, as before.
        p.launch_day = launch;
        let late = MemberHistory { join_day: MON + 3, ..h.clone() };
        assert_eq!(&walk(&p, &late, MON, MON + 6).day_ranks[..4], &[0, 0, 0, 16]);
    }

    proptest::proptest! {
        /// Resuming from the checkpoint an earlier walk recorded gives exactly the walk from
        /// joining, without the activity before the checkpoint.
        #[test]
        fn resuming_from_a_checkpoint_equals_walking_from_joining(
            join in 0i32..60,
            active in proptest::collection::vec(proptest::bool::ANY, 200),
            paid in proptest::collection::vec((0i32..200, 0i32..60), 0..4),
            grants in proptest::collection::vec((0i32..200, 0usize..8), 0..4),
            first_to in 30i32..120,
            gap in 0i32..40,
            len in 1i32..40,
            decay_unpaid in proptest::bool::ANY,
            next_week_lift in proptest::bool::ANY,
            launch in 0i32..100,
        ) {
            let mut p = params();
            // Before, at or after joining (walks start at the later of the two).
            p.launch_day = MON - 20 + launch;
            if decay_unpaid {
                p.rules.unpaid_week = UnpaidWeek::Decay;
            }
            if next_week_lift {
                p.rules.qualification_lift = QualificationLift::NextWeek;
            }
            let mut grants: Vec<(Day, usize)> = grants.iter().map(|&(d, q)| (MON + d, q)).collect();
            grants.sort_by_key(|g| g.0);
            let h = MemberHistory {
                join_day: MON + join,
                paid: paid.iter().map(|&(s, l)| (MON + s, MON + s + l)).collect(),
                grants,
                active_days: (0..200).filter(|i| active[*i as usize]).map(|i| MON + i).collect(),
            };
            let earlier = walk(&p, &h, MON, MON + first_to);
            let (from, to) = (MON + first_to + 1 + gap, MON + first_to + 1 + gap + len);
            let full = walk(&p, &h, from, to);
            match earlier.checkpoint {
                Some(c) => {
                    proptest::prop_assert!(c.applies(p.start_day(h.join_day), from));
                    let recent = MemberHistory {
                        active_days: h.active_days.iter().copied().filter(|&d| d >= c.week_start).collect(),
                        ..h.clone()
                    };
                    proptest::prop_assert_eq!(walk_from(&p, &recent, Some(c), from, to), full);
                }
                None => proptest::prop_assert!(
                    p.start_day(h.join_day) >= week_start(MON + first_to + 1)
                ),
            }
        }

        /// Without grants the rank stays within [1, learner entry], moves at most one step a
        /// week, and only on evaluated weeks.
        #[test]
        fn bounded_single_steps(
            active in proptest::collection::vec(proptest::bool::ANY, 140),
            paid_to in 0i32..140,
        ) {
            let p = params();
            let h = MemberHistory {
                join_day: MON,
                paid: vec![(MON, MON + paid_to)],
                grants: vec![],
                active_days: (0..140).filter(|i| active[*i as usize]).map(|i| MON + i).collect(),
            };
            let w = walk(&p, &h, MON, MON + 139);
            for wk in &w.weeks {
                proptest::prop_assert!((1..=6).contains(&wk.rank_end));
                proptest::prop_assert!(wk.rank_end.abs_diff(wk.rank_start) <= 1);
                if wk.paid_days == 0 {
                    proptest::prop_assert_eq!(wk.rank_end, wk.rank_start);
                }
            }
        }
    }
}
