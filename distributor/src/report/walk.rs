//! Step 3, walk: each member's weekly rank walk (from a checkpoint or from the start), their
//! paying and active days, points and credit; the member lines before the split.
use super::{
    aggregate::Activity,
    load::Resume,
    types::{day_string, MemberLine, RankBasis, Totals, WeekLine},
};
use crate::{
    allocation::daily_credit,
    config::Config,
    rank::{walk_from, week_start, Checkpoint, Day, MemberHistory, RankParams},
};
use std::collections::{BTreeMap, HashMap};

/// Where a member's walk starts: an applicable checkpoint of the resume month, or `None`
/// (walked from the start: joining, or the launch — `start_day`, [`RankParams::start_day`]).
pub(super) fn start_of(
    resume: Option<&Resume>,
    checkpoints: &HashMap<i64, u16>,
    id: i64,
    start_day: Day,
    first_day: Day,
) -> Option<Checkpoint> {
    let r = resume?;
    let rank = *checkpoints.get(&id)?;
    Some(Checkpoint { week_start: r.week_start, rank }).filter(|c| c.applies(start_day, first_day))
}

/// What the walks produced.
pub(super) struct Walked {
    /// Listed members, sorted by id, allocations not yet split.
    pub lines: Vec<MemberLine>,
    /// Paying members per rank on the month's last day.
    pub rank_counts: BTreeMap<u16, u64>,
    /// `events_accepted` and `free_users_active` so far.
    pub totals: Totals,
    /// The ranks at the start of the week after the month, sorted by member id.
    pub next_checkpoints: Vec<(i64, u16)>,
}

/// The month's days `[first_day, last_day]` and where the walks resume from.
pub(super) struct WalkWindow<'a> {
    pub first_day: Day,
    pub last_day: Day,
    pub resume: Option<&'a Resume>,
    pub checkpoints: &'a HashMap<i64, u16>,
}

/// Walks, credits and lists every member who joined by the month's end (and everyone with
/// pending carried in); counts the walks' starts in `rank_basis`.
pub(super) fn walk_members(
    config: &Config,
    params: &RankParams,
    window: WalkWindow<'_>,
    members: &mut HashMap<i64, MemberHistory>,
    per_member: &mut HashMap<i64, Activity>,
    wallet_of: &HashMap<i64, String>,
    pending_in: &HashMap<i64, u64>,
    rank_basis: &mut RankBasis,
) -> Walked {
    let WalkWindow { first_day, last_day, resume, checkpoints } = window;
    let next_checkpoint_week = week_start(last_day + 1);
    let mut next_checkpoints: Vec<(i64, u16)> = Vec::with_capacity(members.len());
    let mut ids: Vec<i64> = members.keys().copied().collect();
    ids.extend(pending_in.keys().filter(|id| !members.contains_key(id)));
    ids.sort_unstable();
    let mut lines: Vec<MemberLine> = Vec::new();
    let mut rank_counts: BTreeMap<u16, u64> = BTreeMap::new();
    let mut totals = Totals::default();
    for id in ids {
        let carried = pending_in.get(&id).copied().unwrap_or(0);
        let Some(history) = members.get_mut(&id) else {
            // Pending for someone no longer in `members` (should not happen): still listed.
            lines.push(empty_line(id, carried, wallet_of.get(&id).cloned()));
            continue;
        };
        let act = per_member.remove(&id).unwrap_or_default();
        totals.events_accepted += act.events_in_month;
        history.active_days = act.active_days;
        history.active_days.sort_unstable();
        history.grants.sort_by_key(|g| g.0);
        // Everyone in `members` joined by the month's end, so every walk counts in the basis.
        let start =
            start_of(resume, checkpoints, id, params.start_day(history.join_day), first_day);
        if start.is_some() {
            rank_basis.members_resumed += 1;
        } else {
            rank_basis.members_walked_from_joining += 1;
        }
        let rw = walk_from(params, history, start, first_day, last_day);
        if let Some(c) = rw.checkpoint {
            debug_assert_eq!(c.week_start, next_checkpoint_week);
            next_checkpoints.push((id, c.rank));
        }
        let mut days_paid = 0u32;
        let mut days_active = 0u32;
        for d in first_day..=last_day {
            if d >= history.join_day && history.is_paid(d) {
                days_paid += 1;
            }
        }
        let (mut month_points, mut credit) = (0u64, 0u64);
        for &(d, p) in &act.month_points {
            if d < history.join_day || !history.is_paid(d) {
                continue;
            }
            let rank = rw.day_ranks[(d - first_day) as usize];
            if rank == 0 {
                continue;
            }
            days_active += 1;
            month_points += p;
            credit += daily_credit(p, config.rank_table[rank as usize - 1]);
        }
        if days_paid == 0 {
            if !act.month_points.is_empty() {
                totals.free_users_active += 1;
            }
            if carried == 0 {
                continue;
            }
        }
        let rank_end = rw.day_ranks.last().copied().unwrap_or(0);
        if days_paid > 0 && rank_end > 0 {
            *rank_counts.entry(rank_end).or_default() += 1;
        }
        lines.push(MemberLine {
            member_id: id,
            qualification: rw
                .qualification
                .map(|q| config.qualifications[q].name.clone())
                .unwrap_or_default(),
            rank_end,
            days_paid,
            days_active,
            points: month_points,
            credit,
            allocation: 0,
            pending_in: carried,
            payable: 0,
            pending_out: 0,
            wallet: wallet_of.get(&id).cloned(),
            weeks: rw
                .weeks
                .iter()
                .map(|w| WeekLine {
                    week_start: day_string(w.week_start),
                    week_start_day: w.week_start,
                    rank_start: w.rank_start,
                    rank_end: w.rank_end,
                    paid_days: w.paid_days,
                    active_days: w.active_days,
                    evaluated: w.evaluated,
                })
                .collect(),
        });
    }
    Walked { lines, rank_counts, totals, next_checkpoints }
}

fn empty_line(id: i64, carried: u64, wallet: Option<String>) -> MemberLine {
    MemberLine {
        member_id: id,
        qualification: String::new(),
        rank_end: 0,
        days_paid: 0,
        days_active: 0,
        points: 0,
        credit: 0,
        allocation: 0,
        pending_in: carried,
        payable: 0,
        pending_out: 0,
        wallet,
        weeks: Vec::new(),
    }
}
