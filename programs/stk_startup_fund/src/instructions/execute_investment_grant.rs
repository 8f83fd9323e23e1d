// The composite accounts struct and what `#[derive(Accounts)]` generated for it.
use super::{
    __client_accounts_investment_execution, __cpi_client_accounts_investment_execution,
    InvestmentExecution, InvestmentExecutionBumps,
};
use crate::{
    errors::FundError,
    events::InvestmentGrantExecuted,
    state::{self, ProposalAction},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Token2022, TokenAccount};
use stk_common::{seeds, token};
use stk_vesting::{
    cpi::accounts::CreateGrant, curve::VestingSchedule, instructions::CreateGrantArgs,
    program::StkVesting, state::Grant,
};

/// Accounts of `execute_investment_grant`. The `stk_vesting` accounts are not re-derived here
/// (that would cost several PDA searches): `stk_vesting::create_grant` checks every one of
/// them by its seeds (`init` for the grant and its vault), `vesting_program` is pinned to
/// `stk_vesting`'s id, and the handler reads the created grant and its vault back.
#[derive(Accounts)]
pub struct ExecuteInvestmentGrant<'info> {
    /// A member of the current council; pays the rent of the grant and its vault.
    #[account(mut)]
    pub executor: Signer<'info>,
    /// The fund, the approved proposal, its project, the fund authority (signs
    /// `create_grant` as the grant's creator and the vault's owner), mint and vault (the
    /// grant's source).
    pub investment: InvestmentExecution<'info>,
    /// CHECK: `stk_vesting`'s config, PDA `[VESTING_CONFIG]` of `stk_vesting`; checked by
    /// `create_grant` (seeds, and its mint must be the STK mint).
    pub vesting_config: UncheckedAccount<'info>,
    /// CHECK: the grant to create, PDA `[GRANT, grant_id]` of `stk_vesting` with
    /// `grant_id = state::grant_id(proposal, salt)`; `create_grant` checks the seeds (`init`),
    /// the handler reads it back afterwards.
    #[account(mut)]
    pub grant: UncheckedAccount<'info>,
    /// CHECK: the grant's vault, PDA `[GRANT_VAULT, grant]` of `stk_vesting`; `create_grant`
    /// checks the seeds (`init`), the handler reads its balance afterwards.
    #[account(mut)]
    pub grant_vault: UncheckedAccount<'info>,
    /// CHECK: `stk_vesting`'s authority PDA (owner of grant vaults); checked by `create_grant`.
    pub vesting_authority: UncheckedAccount<'info>,
    /// The `stk_vesting` program (its id is checked: no other program is called).
    pub vesting_program: Program<'info, StkVesting>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Checks: the executor is a current council member; the proposal is a pending
/// `InvestmentGrant` of the current council epoch (a direct investment is refused with
/// `WrongAction`) with approvals >= threshold; the project is the proposal's; the amount
/// grossed up for the transfer fee (exactly: the grant receives the approved amount, not a
/// unit more) <= the unlocked balance now. Then CPIs `stk_vesting::create_grant` (the fund
/// authority signs as creator and owner of the vault; the executor pays rent; non-revocable;
/// grant id `state::grant_id(proposal, salt)`), and afterwards checks that the vault lost
/// exactly the gross, and that the grant exists, belongs to `stk_vesting`, and has the
/// expected id, creator, beneficiary, mint, vault, schedule and total == amount, with its
/// vault holding exactly the amount. A silent no-op CPI fails these checks.
pub fn handler(ctx: Context<ExecuteInvestmentGrant>, salt: u64) -> Result<()> {
    let accounts = ctx.accounts;
    let ProposalAction::InvestmentGrant { project_id, beneficiary, amount, schedule } =
        accounts.investment.live_action(&accounts.executor.key())?
    else {
        return err!(FundError::WrongAction);
    };
    accounts.investment.require_approved(&project_id)?;

    let clock = Clock::get()?;
    let gross = exact_gross(&accounts.investment.mint.to_account_info(), amount, clock.epoch)?;
    accounts.investment.require_unlocked(gross, clock.unix_timestamp)?;

    let grant_id = state::grant_id(&accounts.investment.proposal.key(), salt);
    let vault_before = accounts.investment.vault.amount;
    let args = CreateGrantArgs { grant_id, beneficiary, amount: gross, schedule, revocable: false };
    create_grant(accounts, args)?;
    let vault = &mut accounts.investment.vault;
    vault.reload()?;
    let sent = vault_before.checked_sub(vault.amount).ok_or(FundError::TransferMismatch)?;
    require!(sent == gross, FundError::TransferMismatch);
    verify_grant(accounts, grant_id, beneficiary, amount, schedule)?;

    let investment = &mut accounts.investment;
    investment.record(gross, amount, clock.unix_timestamp)?;
    investment.proposal.grant_id = grant_id;
    stk_common::event::emit(&InvestmentGrantExecuted {
        proposal_id: investment.proposal.id,
        project_id,
        beneficiary,
        grant_id,
        salt,
        grant: accounts.grant.key(),
        amount,
        gross,
        schedule,
        unlocked_after: investment.fund.unlocked(clock.unix_timestamp)?,
    });
    Ok(())
}

/// What the vault must send for the grant's vault to receive exactly `amount` after the
/// transfer fee. `token::gross_up` guarantees at least `amount` and at most one unit more;
/// one unit less is taken when it still delivers `amount`, and exactness is then required.
fn exact_gross(mint: &AccountInfo, amount: u64, epoch: u64) -> Result<u64> {
    let net = |gross: u64| -> Result<u64> {
        let fee = token::transfer_fee(mint, gross, epoch)?;
        gross.checked_sub(fee).ok_or_else(|| error!(FundError::Overflow))
    };
    let mut gross = token::gross_up(mint, amount, epoch)?;
    if gross > amount && net(gross - 1)? >= amount {
        gross -= 1;
    }
    require!(net(gross)? == amount, FundError::TransferMismatch);
    Ok(gross)
}

/// `stk_vesting::create_grant`, signed by the fund authority PDA (creator, owner of the vault).
#[inline(never)]
fn create_grant(accounts: &ExecuteInvestmentGrant, args: CreateGrantArgs) -> Result<()> {
    let inv = &accounts.investment;
    let bump = [inv.fund.authority_bump];
    let signer: &[&[u8]] = &[seeds::FUND_AUTHORITY, &bump];
    let cpi_accounts = CreateGrant {
        payer: accounts.executor.to_account_info(),
        creator: inv.fund_authority.to_account_info(),
        config: accounts.vesting_config.to_account_info(),
        mint: inv.mint.to_account_info(),
        source: inv.vault.to_account_info(),
        grant: accounts.grant.to_account_info(),
        vault: accounts.grant_vault.to_account_info(),
        vesting_authority: accounts.vesting_authority.to_account_info(),
        token_program: accounts.token_program.to_account_info(),
        system_program: accounts.system_program.to_account_info(),
    };
    let signers = [signer];
    let ctx = CpiContext::new_with_signer(accounts.vesting_program.key(), cpi_accounts, &signers);
    stk_vesting::cpi::create_grant(ctx, args)
}

/// Reads the grant `create_grant` just made and its vault, and refuses anything but the
/// proposal's grant holding exactly `amount`.
#[inline(never)]
fn verify_grant(
    accounts: &ExecuteInvestmentGrant,
    grant_id: Pubkey,
    beneficiary: Pubkey,
    amount: u64,
    schedule: VestingSchedule,
) -> Result<()> {
    // Read by owner and discriminator (not `Account::try_from`, whose lifetimes need the
    // account info to outlive the context); boxed to keep the frame small.
    let grant_info = accounts.grant.to_account_info();
    require_keys_eq!(*grant_info.owner, stk_vesting::ID, FundError::GrantMismatch);
    let grant: Box<Grant> = Box::new(
        Grant::try_deserialize(&mut &grant_info.try_borrow_data()?[..])
            .map_err(|_| error!(FundError::GrantMismatch))?,
    );
    let vault_info = accounts.grant_vault.to_account_info();
    require_keys_eq!(*vault_info.owner, accounts.token_program.key(), FundError::GrantMismatch);
    let vault: Box<TokenAccount> = Box::new(
        TokenAccount::try_deserialize(&mut &vault_info.try_borrow_data()?[..])
            .map_err(|_| error!(FundError::GrantMismatch))?,
    );
    let inv = &accounts.investment;
    let expected = grant.grant_id == grant_id
        && grant.authority == inv.fund_authority.key()
        && grant.beneficiary == beneficiary
        && grant.mint == inv.mint.key()
        && grant.vault == vault_info.key()
        && grant.schedule == schedule
        && grant.total == amount
        && grant.claimed == 0
        && !grant.revocable
        && grant.revoked_at.is_none()
        && vault.mint == inv.mint.key()
        && vault.owner == accounts.vesting_authority.key()
        && vault.amount == amount;
    require!(expected, FundError::GrantMismatch);
    Ok(())
}
