use super::send_from_vault;
use crate::{
    errors::{curve_err, VestingError},
    events::Purchased,
    state::{Grant, GrantTerms, Sale, SaleMember},
};
use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, Token2022, TokenAccount, TokenInterface};
use stk_common::{merkle, seeds};

#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct PurchaseArgs {
    /// STK base units to buy (what the new grant will hold).
    pub amount: u64,
    /// The buyer's cap as written in the allowlist leaf.
    pub cap: u64,
    /// Sibling hashes from the leaf to the root (at most `merkle::MAX_PROOF_LEN`).
    pub proof: Vec<[u8; 32]>,
    /// Seed of the new grant PDA (any unused 32 bytes).
    pub grant_id: Pubkey,
}

#[derive(Accounts)]
#[instruction(args: PurchaseArgs)]
pub struct Purchase<'info> {
    /// The allowlisted member: signs, pays, and becomes the grant's beneficiary.
    #[account(mut)]
    pub buyer: Signer<'info>,
    #[account(
        mut,
        seeds = [seeds::SALE],
        bump = sale.bump,
        has_one = mint,
        has_one = payment_mint @ VestingError::WrongPaymentMint,
        has_one = payment_destination @ VestingError::WrongPaymentDestination,
    )]
    pub sale: Box<Account<'info, Sale>>,
    /// CHECK: the buyer's `SaleMember` record (PDA checked by its seeds), created on the
    /// first purchase and read/written by hand (it must survive several purchases).
    #[account(mut, seeds = [seeds::SALE_MEMBER, sale.key().as_ref(), buyer.key().as_ref()], bump)]
    pub member: UncheckedAccount<'info>,
    /// The sale's payment mint.
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,
    /// The buyer's account of the payment mint.
    #[account(
        mut,
        token::mint = payment_mint,
        token::authority = buyer,
        token::token_program = payment_token_program,
    )]
    pub payment_source: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The sale's payment destination.
    #[account(mut)]
    pub payment_destination: Box<InterfaceAccount<'info, TokenAccount>>,
    /// SPL Token or Token-2022, whichever owns the payment mint.
    pub payment_token_program: Interface<'info, TokenInterface>,
    /// The STK mint.
    pub mint: Box<InterfaceAccount<'info, Mint>>,
    #[account(mut, seeds = [seeds::SALE_VAULT], bump)]
    pub sale_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// The new grant; `init` makes the grant id single-use.
    #[account(
        init,
        payer = buyer,
        space = 8 + Grant::INIT_SPACE,
        seeds = [seeds::GRANT, args.grant_id.as_ref()],
        bump,
    )]
    pub grant: Box<Account<'info, Grant>>,
    #[account(
        init,
        payer = buyer,
        seeds = [seeds::GRANT_VAULT, grant.key().as_ref()],
        bump,
        token::mint = mint,
        token::authority = vesting_authority,
        token::token_program = token_program,
    )]
    pub grant_vault: Box<InterfaceAccount<'info, TokenAccount>>,
    /// CHECK: PDA, owner of the sale vault and the grant vault; checked by its seeds.
    #[account(seeds = [seeds::VESTING_AUTHORITY], bump)]
    pub vesting_authority: UncheckedAccount<'info>,
    pub token_program: Program<'info, Token2022>,
    pub system_program: Program<'info, System>,
}

/// Checks: sale not closed; `start <= now < end`; amount > 0; proof ≤ 24 hashes and it
/// proves `(buyer, cap)` against the sale's root; the member's purchases stay ≤ cap; the
/// sale's sold amount (grossed up for the STK transfer fee) stays ≤ total; payment mint and
/// destination are the sale's; the payment source is the buyer's; the buyer pays
/// `ceil(amount × num / den)` and the source shrinks by exactly that; the grant vault
/// receives at least `amount` (the sale vault pays the STK transfer fee, counted as sold).
pub fn handler(ctx: Context<Purchase>, args: PurchaseArgs) -> Result<()> {
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let accounts = ctx.accounts;
    let sale = &accounts.sale;
    require!(!sale.closed, VestingError::SaleClosed);
    require!(now >= sale.start && now < sale.end, VestingError::OutsideSaleWindow);
    require!(args.amount > 0, VestingError::ZeroAmount);
    require!(args.proof.len() <= merkle::MAX_PROOF_LEN, VestingError::ProofTooLong);
    let leaf = merkle::leaf(&accounts.buyer.key(), args.cap);
    require!(merkle::verify(&args.proof, &sale.allowlist_root, leaf), VestingError::NotOnAllowlist);

    // Cap across purchases.
    let sale_key = sale.key();
    let mut member =
        load_or_create_member(&accounts.member, &accounts.buyer, sale_key, ctx.bumps.member)?;
    let purchased = member.purchased.checked_add(args.amount).ok_or(VestingError::Overflow)?;
    require!(purchased <= args.cap, VestingError::CapExceeded);

    // Sale total, counting what leaves the vault.
    let mint_info = accounts.mint.to_account_info();
    let gross = stk_common::token::gross_up(&mint_info, args.amount, clock.epoch)?;
    let sold = sale.sold.checked_add(gross).ok_or(VestingError::Overflow)?;
    require!(sold <= sale.total, VestingError::SoldOut);
    let schedule = sale.vesting.schedule_from(now).ok_or(VestingError::Overflow)?;
    schedule.validate().map_err(curve_err)?;

    // Payment.
    let cost = sale.price.cost(args.amount).ok_or(VestingError::Overflow)?;
    let source_before = accounts.payment_source.amount;
    stk_common::token::transfer_by_owner(
        &accounts.payment_token_program.to_account_info(),
        &accounts.payment_source.to_account_info(),
        &accounts.payment_mint.to_account_info(),
        &accounts.payment_destination.to_account_info(),
        &accounts.buyer.to_account_info(),
        cost,
        accounts.payment_mint.decimals,
    )?;
    accounts.payment_source.reload()?;
    require!(
        stk_common::token::sent_exactly(source_before, accounts.payment_source.amount, cost),
        VestingError::TransferMismatch
    );

    // STK into the new grant.
    send_from_vault(
        &accounts.token_program.to_account_info(),
        &mut accounts.sale_vault,
        &accounts.mint,
        &accounts.grant_vault.to_account_info(),
        &accounts.vesting_authority.to_account_info(),
        ctx.bumps.vesting_authority,
        gross,
    )?;
    let terms = GrantTerms {
        grant_id: args.grant_id,
        authority: sale_key,
        beneficiary: accounts.buyer.key(),
        schedule,
        revocable: false,
    };
    let (mint, bumps) = (accounts.mint.key(), (ctx.bumps.grant, ctx.bumps.grant_vault));
    // The sale vault grossed the transfer up: the grant holds at least what was paid for.
    let grant_vault = &mut accounts.grant_vault;
    super::book_grant(&mut accounts.grant, grant_vault, mint, terms, args.amount, bumps)?;
    let grant_key = accounts.grant.key();
    member.purchased = purchased;
    member.purchases = member.purchases.checked_add(1).ok_or(VestingError::Overflow)?;
    store_member(&accounts.member, &member)?;
    accounts.sale.sold = sold;

    stk_common::event::emit(&Purchased {
        sale: sale_key,
        buyer: accounts.buyer.key(),
        grant: grant_key,
        amount: args.amount,
        cost,
        sold: gross,
        member_purchased: purchased,
        sale_sold: sold,
    });
    Ok(())
}

/// Reads the buyer's record, creating it (rent paid by the buyer) on the first purchase.
/// Like Anchor's `init`, it copes with lamports someone sent to the address beforehand
/// (`stk_common::account::create_pda_account`): otherwise one lamport would lock a member
/// out of the sale.
fn load_or_create_member<'info>(
    member: &UncheckedAccount<'info>,
    buyer: &Signer<'info>,
    sale: Pubkey,
    bump: u8,
) -> Result<SaleMember> {
    if member.owner == &crate::ID {
        let data = member.try_borrow_data()?;
        let record = SaleMember::try_deserialize(&mut &data[..])?;
        require!(
            record.sale == sale && record.wallet == buyer.key(),
            VestingError::WrongMemberRecord
        );
        return Ok(record);
    }
    let space = 8 + SaleMember::INIT_SPACE;
    let rent = Rent::get()?.minimum_balance(space);
    let buyer_key = buyer.key();
    let signer: &[&[u8]] = &[seeds::SALE_MEMBER, sale.as_ref(), buyer_key.as_ref(), &[bump]];
    stk_common::account::create_pda_account(
        &buyer.to_account_info(),
        &member.to_account_info(),
        signer,
        rent,
        space as u64,
        &crate::ID,
    )?;
    Ok(SaleMember { sale, wallet: buyer_key, purchased: 0, purchases: 0, bump })
}

fn store_member(member: &UncheckedAccount, record: &SaleMember) -> Result<()> {
    let mut data = member.try_borrow_mut_data()?;
    record.try_serialize(&mut &mut data[..])
}
