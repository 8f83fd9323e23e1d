use super::{authority_seeds, require_hold_status};
use crate::{
    errors::TreasuryError,
    events::{FraudHoldResolved, FraudHoldVoted},
    flagged, hold_votes, recycle,
    state::{FraudHold, HoldOutcome, HoldStatus, Treasury},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount};
use stk_common::{seeds, token};
use stk_mint::state::MintConfig;
use stk_startup_fund::state::Fund;

#[derive(Accounts)]
pub struct VoteFraudHold<'info> {
    /// A member of the startup fund's council, not the treasury admin.
    pub member: Signer<'info>,
    /// The treasury; a forfeit books the vault's surplus into `recycled_total`.
    #[account(mut, seeds = [seeds::TREASURY], bump = treasury.bump, has_one = mint, has_one = distribution_vault)]
    pub treasury: Box<Account<'info, Treasury>>,
    /// The startup fund's state (owner `stk_startup_fund`, seeds checked): its council.
    #[account(seeds = [seeds::FUND], bump = fund.bump, seeds::program = stk_startup_fund::ID)]
    pub fund: Box<Account<'info, Fund>>,
    #[account(mut, seeds = [seeds::FRAUD_HOLD, hold.token_account.as_ref()], bump = hold.bump)]
    pub hold: Box<Account<'info, FraudHold>>,
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    /// `stk_mint`'s config (owner and seeds checked), for the surplus rule.
    #[account(seeds = [seeds::MINT_CONFIG], bump = mint_config.bump, seeds::program = stk_mint::ID)]
    pub mint_config: Box<Account<'info, MintConfig>>,
    /// CHECK: PDA signer, owner of the escrow vault, checked by its seeds.
    #[account(seeds = [seeds::TREASURY_AUTHORITY], bump = treasury.authority_bump)]
    pub treasury_authority: UncheckedAccount<'info>,
    /// The escrow vault (seeds checked).
    #[account(mut, seeds = [seeds::HOLD_ESCROW], bump)]
    pub hold_escrow: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: where a release goes: an STK account of the holder (checked by hand, only on a
    /// release, so a holder without any account cannot block a forfeit).
    #[account(mut)]
    pub holder_account: UncheckedAccount<'info>,
    /// The distribution vault recorded in the treasury: where a forfeit goes.
    #[account(mut)]
    pub distribution_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    pub token_program: Program<'info, Token2022>,
}

/// Checks: the hold is escrowed; the signer is on the fund's current council and is not the
/// treasury admin; it has not voted on this hold's outcome yet (either way; a council change
/// wipes earlier votes). Records the vote; when an outcome reaches the council's threshold it
/// is carried out at once: **release** sends the escrowed amount to `holder_account`, which
/// must be an STK account owned by the holder (`NotHoldersAccount`); **forfeit** sends it to
/// the distribution vault and books the vault's surplus into `recycled_total`.
pub fn handler(ctx: Context<VoteFraudHold>, outcome: HoldOutcome) -> Result<()> {
    let accounts = ctx.accounts;
    let fund = &accounts.fund;
    let hold = &mut accounts.hold;
    require_hold_status(hold, HoldStatus::Escrowed)?;
    let member = accounts.member.key();
    let index = hold_votes::council_index(fund, &accounts.treasury.admin, &member)?;
    let (mut epoch, mut release, mut forfeit) =
        (hold.council_epoch, hold.release_votes, hold.forfeit_votes);
    hold_votes::sync_epoch(&mut epoch, fund.council_epoch, &mut [&mut release, &mut forfeit]);
    let (mine, other) = match outcome {
        HoldOutcome::Release => (&mut release, forfeit),
        HoldOutcome::Forfeit => (&mut forfeit, release),
    };
    *mine = hold_votes::cast(*mine, &[other], index)
        .map_err(|_| error!(TreasuryError::AlreadyVoted))?;
    let votes = *mine;
    hold.council_epoch = epoch;
    hold.release_votes = release;
    hold.forfeit_votes = forfeit;
    stk_common::event::emit(&FraudHoldVoted {
        token_account: hold.token_account,
        member,
        outcome,
        votes: hold_votes::count(votes),
        threshold: fund.threshold,
    });
    if !hold_votes::meets_threshold(votes, epoch, fund) {
        return Ok(());
    }

    let destination = match outcome {
        HoldOutcome::Release => {
            let observed = flagged::observe(&accounts.holder_account, &accounts.mint.key());
            require!(
                observed.is_some_and(|o| o.owner == hold.owner),
                TreasuryError::NotHoldersAccount
            );
            accounts.holder_account.to_account_info()
        }
        HoldOutcome::Forfeit => accounts.distribution_vault.to_account_info(),
    };
    let amount = hold.escrowed;
    if amount > 0 {
        let bump = [accounts.treasury.authority_bump];
        token::transfer_signed(
            &accounts.token_program.to_account_info(),
            &accounts.hold_escrow.to_account_info(),
            &accounts.mint.to_account_info(),
            &destination,
            &accounts.treasury_authority.to_account_info(),
            &authority_seeds(&bump),
            amount,
            accounts.mint.decimals,
        )?;
    }
    hold.status = match outcome {
        HoldOutcome::Release => HoldStatus::Released,
        HoldOutcome::Forfeit => HoldStatus::Forfeited,
    };
    hold.resolved_at = Clock::get()?.unix_timestamp;
    stk_common::event::emit(&FraudHoldResolved {
        token_account: hold.token_account,
        outcome,
        amount,
        destination: destination.key(),
    });
    if outcome == HoldOutcome::Forfeit {
        accounts.distribution_vault.reload()?;
        recycle::book_surplus(
            &mut accounts.treasury,
            &accounts.mint_config.schedule,
            accounts.mint_config.quarters_minted,
            accounts.distribution_vault.amount,
        )?;
    }
    Ok(())
}
