use anchor_lang::prelude::*;

#[error_code]
pub enum TreasuryError {
    #[msg("the mint config's distribution_destination is not the treasury's distribution vault")]
    DistributionVaultMismatch,
    #[msg("only the admin of stk_mint's config may initialize the treasury")]
    NotMintAdmin,
    #[msg("fee split: staking_rewards_bps + startup_fund_bps must be at most 10000")]
    FeeSplitBps,
    #[msg("dormancy notice must be between 1 day and 5 years")]
    DormancyNoticePeriod,
    #[msg("fiat_decimals must be at most 6")]
    FiatDecimals,
    #[msg("signer is not the treasury admin")]
    NotAdmin,
    #[msg("signer is not the treasury distributor")]
    NotDistributor,
    #[msg("signer is not the proposed authority for this role")]
    NotProposedAuthority,
    #[msg("batch_count must be between 1 and 4096")]
    BatchCount,
    #[msg("an epoch's total must be positive")]
    ZeroTotal,
    #[msg("month is outside the emission schedule")]
    MonthOutsideSchedule,
    #[msg("the quarter of this month has not been minted yet: crank stk_mint::mint_quarter first")]
    QuarterNotMinted,
    #[msg("total exceeds the members' cumulative allowance through this month minus what is already committed")]
    AllowanceExceeded,
    #[msg("the epoch is closed")]
    EpochClosed,
    #[msg("batch_index must be below the epoch's batch_count")]
    BatchIndexOutOfRange,
    #[msg("this batch was already paid")]
    BatchAlreadyPaid,
    #[msg("amounts and recipient accounts differ in number, or the batch is empty")]
    RecipientCount,
    #[msg("a payout amount is zero")]
    ZeroAmount,
    #[msg(
        "a recipient is not a writable Token-2022 account of the STK mint (or is a treasury vault)"
    )]
    InvalidRecipient,
    #[msg("this batch would pay more than the epoch's total")]
    EpochTotalExceeded,
    #[msg("batches remain unpaid: only the admin may close (abort) the epoch now")]
    BatchesRemaining,
    #[msg("signer is neither the admin nor the distributor")]
    NotAuthorized,
    #[msg("quarter budgets are recorded in order: record the next quarter")]
    QuarterOutOfOrder,
    #[msg("backing_bps must be at most 10000")]
    BackingBps,
    #[msg("spread_quarters must be between 1 and 40")]
    SpreadQuarters,
    #[msg("all one-time receipt slots are in use: record quarter budgets until one completes")]
    ReceiptSlotsFull,
    #[msg("a one-time receipt must be positive")]
    ZeroReceipt,
    #[msg("this quarter's quote was already published")]
    QuoteAlreadyPublished,
    #[msg("no STK issued yet: the quote would divide by zero")]
    NothingIssued,
    #[msg("the quote does not fit the fixed-point format")]
    QuoteOverflow,
    #[msg("the treasury's own vaults cannot be flagged dormant")]
    TreasuryVault,
    #[msg("signer does not own the flagged token account")]
    NotTokenOwner,
    #[msg("the dormancy notice is not pending (cancelled or already reintegrated)")]
    NoticeNotPending,
    #[msg("the dormancy notice was cancelled by the owner")]
    NoticeCancelled,
    #[msg("the balance was already reintegrated")]
    AlreadyReintegrated,
    #[msg("the notice period has not ended yet")]
    NoticeNotEnded,
    #[msg("the dormancy notice is still pending: the owner may cancel it or it must be reintegrated first")]
    NoticePending,
    #[msg("emission schedule error")]
    Schedule,
    #[msg("arithmetic overflow")]
    Overflow,
    #[msg("the signer is not this program's upgrade authority")]
    NotUpgradeAuthority,
    #[msg("the month has not ended yet (cluster clock, the schedule's time zone): its report is not final")]
    MonthNotEnded,
    #[msg("the epoch is not Proposed: its plan is already approved (or the epoch closed)")]
    EpochNotProposed,
    #[msg("the epoch's payout plan has not been approved by the admin yet")]
    EpochNotApproved,
    #[msg("plan_hash differs from the one the epoch was opened with")]
    PlanHashMismatch,
    #[msg("the plan pages' roots do not hash to the epoch's plan_hash (missing, extra or changed roots)")]
    PlanRootsMismatch,
    #[msg("pass exactly the epoch's plan pages, in order, as remaining accounts")]
    PlanPages,
    #[msg("roots must be non-empty, within batch_count and within one plan page")]
    PlanRootsRange,
    #[msg("a batch root is all zero: no batch can have it")]
    ZeroRoot,
    #[msg("the plan page is not this month's page of this batch")]
    WrongPlanPage,
    #[msg("a recipient account appears twice in the batch")]
    DuplicateRecipient,
    #[msg(
        "the batch's recipients and amounts do not match the approved plan's root for this batch"
    )]
    PlanMismatch,
    #[msg("the admin and the distributor must be different keys")]
    AdminIsDistributor,
    #[msg("the epoch is not closed yet")]
    EpochNotClosed,
}
