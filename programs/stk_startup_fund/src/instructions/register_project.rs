use crate::{
    errors::FundError,
    events::ProjectRegistered,
    state::{Fund, Project},
};
use anchor_lang::prelude::*;
use stk_common::seeds;

#[derive(Accounts)]
#[instruction(project_id: Pubkey)]
pub struct RegisterProject<'info> {
    /// A member of the current council; pays the project account's rent.
    #[account(mut)]
    pub member: Signer<'info>,
    /// The fund's state.
    #[account(seeds = [seeds::FUND], bump = fund.bump)]
    pub fund: Box<Account<'info, Fund>>,
    /// The project's record, created here (once per project id).
    #[account(
        init,
        payer = member,
        space = 8 + Project::INIT_SPACE,
        seeds = [seeds::PROJECT, fund.key().as_ref(), project_id.as_ref()],
        bump,
    )]
    pub project: Box<Account<'info, Project>>,
    pub system_program: Program<'info, System>,
}

/// Checks: the signer is a current council member; the project is new (Anchor `init`); the
/// returner is not the default key. Only `returner` will be able to record the project's
/// returns, so nobody else can pass deposits off as returns (which skip the lock).
pub fn handler(ctx: Context<RegisterProject>, project_id: Pubkey, returner: Pubkey) -> Result<()> {
    ctx.accounts.fund.member_index(&ctx.accounts.member.key())?;
    require_keys_neq!(returner, Pubkey::default(), FundError::InvalidReturner);
    ctx.accounts.project.set_inner(Project {
        fund: ctx.accounts.fund.key(),
        project_id,
        invested: 0,
        returned: 0,
        investments: 0,
        returns: 0,
        registered_at: Clock::get()?.unix_timestamp,
        bump: ctx.bumps.project,
        returner,
    });
    stk_common::event::emit(&ProjectRegistered {
        project_id,
        project: ctx.accounts.project.key(),
        registered_by: ctx.accounts.member.key(),
        returner,
    });
    Ok(())
}
