//! The payout state machine. See the module documentation of [`crate::payout`].
use super::{
    limits::{self, TxForm},
    onchain::{self, EpochView, PageEntry},
    plan::{PlannedBatch, TokenAccountPolicy},
    store::{self, BatchState, StoreError, StoredBatch, StoredPlan},
};
use crate::chain::{
    faults::CrashPlan, faults::CrashPoint, ChainBackend, ChainError, SignatureStatus,
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_message::AddressLookupTableAccount;
use solana_signer::Signer;
use solana_transaction::versioned::VersionedTransaction;
use sqlx::PgPool;
use std::sync::Arc;
use stk_client::Instruction;
use stk_common::calendar::MonthId;

/// The largest transaction a validator accepts, in bytes.
pub const PACKET_DATA_SIZE: u64 = limits::PACKET_DATA_SIZE as u64;

/// Recipients per legacy payout transaction: the treasury's measured maximum. It fits because
/// a batch's estimated compute (150k CU for 20) is within the default 200k, so no compute-budget
/// instruction is sent unless a priority fee is set (see [`limits::max_recipients`]).
pub const RECIPIENTS_PER_LEGACY_BATCH: usize = stk_client::treasury::MAX_RECIPIENTS_LEGACY;
/// Recipients per v0 payout transaction through a lookup table (64 account locks bind).
pub const RECIPIENTS_PER_TABLE_BATCH: usize =
    stk_client::treasury::MAX_RECIPIENTS_WITH_LOOKUP_TABLE;

/// The admin key, for the embedded demo and tests only: the engine then signs the plan's
/// `approve_epoch` itself. In production the admin approves with `distributor approve-epoch`
/// (or a multisig) and the engine never holds this key. Its `Debug` shows the public key only.
#[derive(Clone)]
pub struct Approver(pub Arc<Keypair>);

impl std::fmt::Debug for Approver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Approver({})", self.0.pubkey())
    }
}

/// A keypair that pays the rent (and fees) of the recipients' token accounts. Its `Debug`
/// shows the public key only.
#[derive(Clone)]
pub struct RentPayer(pub Arc<Keypair>);

impl std::fmt::Debug for RentPayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RentPayer({})", self.0.pubkey())
    }
}

#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// Compute-unit limit of the epoch transactions when a compute-budget instruction is sent
    /// (with a priority fee); batches request [`limits::batch_compute_units`]. The price of
    /// every transaction is the backend's priority-fee policy
    /// ([`crate::chain::ChainBackend::priority_fee`]), raised at each re-signed attempt.
    pub compute_unit_limit: u32,
    /// A batch (or epoch step) is given up after this many transactions that failed
    /// on-chain. Transport errors and expired blockhashes do not count.
    pub max_attempts: u32,
    /// Signatures of one batch in one run before the run stops to resume later (transport
    /// errors and expiries only; the month is not given up).
    pub max_sends_per_run: u32,
    /// How many waits for one signature before the engine gives up this run.
    pub max_waits: u32,
    /// Who pays the recipients' token-account rent: `None` is the distributor key.
    pub rent_payer: Option<RentPayer>,
    /// Deactivate the month's lookup tables once its epoch is closed, and close deactivated
    /// tables (rent back to the distributor) once the cluster allows it.
    pub reclaim_lookup_tables: bool,
    /// Embedded demo and tests: sign the admin's `approve_epoch` with this key.
    pub approver: Option<Approver>,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            compute_unit_limit: 200_000,
            max_attempts: 8,
            max_sends_per_run: 32,
            max_waits: 400,
            rent_payer: None,
            reclaim_lookup_tables: true,
            approver: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("injected crash at {0:?}")]
    Crashed(CrashPoint),
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no payout plan for {0}: build and freeze the report first")]
    NoPlan(MonthId),
    #[error("the on-chain epoch of {0} was opened for another report")]
    ReportMismatch(MonthId),
    #[error("the on-chain epoch of {month} commits plan {onchain}, not the stored plan {stored}: refusing to pay")]
    PlanMismatch { month: MonthId, stored: String, onchain: String },
    #[error("batch {index} of {month}: its stored recipients do not hash to its stored root: refusing to pay")]
    BatchMismatch { month: MonthId, index: u32 },
    #[error(
        "the payout plan of {0} has no plan hash (written before the on-chain plan commitment)"
    )]
    NoPlanHash(MonthId),
    #[error("awaiting approval of plan {plan_hash}: run `distributor approve-epoch --month {month} --plan-hash {plan_hash} --keypair admin.json`")]
    AwaitingApproval { month: MonthId, plan_hash: String },
    #[error("{what} failed on-chain: {error}")]
    Refused { what: String, error: String },
    #[error("{what}: still unconfirmed after {waits} waits; run again to resume")]
    Stuck { what: String, waits: u32 },
    #[error("{0}; lower the batch size")]
    TooLarge(#[from] limits::LimitError),
    #[error("{0}")]
    Build(String),
    #[error("the plan of {0} uses lookup tables, which this chain backend does not support")]
    NoLookupTables(MonthId),
    #[error("batch {index}: gave up after {attempts} signatures; last error: {error}")]
    GaveUp { index: u32, attempts: u32, error: String },
}

/// What one run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PayoutSummary {
    pub batches: usize,
    pub batches_confirmed_now: usize,
    pub recipients: usize,
    pub transactions_sent: usize,
    pub token_accounts_created: usize,
    pub lookup_tables_created: usize,
    /// Extend transactions sent to kept lookup tables (newcomers' accounts).
    pub lookup_table_extensions: usize,
    pub lookup_tables_closed: usize,
    pub epoch_opened_now: bool,
    pub epoch_closed_now: bool,
    /// Batch roots written on-chain in this run (`write_plan_roots`).
    pub roots_written: usize,
    /// Recipients found unusable when re-checked before the epoch opened: they stay in the
    /// plan (already committed), the treasury skips them and they are carried back.
    pub recipients_flagged_before_open: usize,
    /// Recipients the closed epoch did not pay, carried back as pending in this run.
    pub recipients_carried: usize,
    pub amount_carried: u64,
    /// What the distributor key spent in this run: transaction fees, and rent of the epoch
    /// account, the lookup tables (less rent reclaimed) and — without a separate rent payer —
    /// the token accounts it created.
    pub lamports_spent: u64,
    /// What the separate rent payer spent (token-account rent and those transactions' fees).
    pub rent_payer_lamports_spent: u64,
    /// Rent now held by the token accounts created in this run (the members keep it).
    pub token_account_rent: u64,
    /// Rent moved into kept lookup tables in this run (negative: retired tables returned it).
    pub lookup_table_rent: i64,
    /// Rent moved into the month's epoch account and plan pages in this run.
    pub epoch_rent: i64,
    /// Fees: everything both keys spent less the rent above.
    pub fee_lamports: i64,
}

/// Balances read before a run, to measure what it spent.
struct CostsBefore {
    /// The payer's lamports.
    balance: u64,
    rent_payer_balance: u64,
    /// The kept lookup tables holding rent.
    tables: Vec<Pubkey>,
    table_rent: u64,
    /// Lamports held by the month's epoch and plan pages.
    state_rent: u64,
}

pub struct PayoutEngine<'a, B: ChainBackend> {
    pub backend: &'a mut B,
    pub db: &'a PgPool,
    pub mint: Pubkey,
    pub settings: EngineSettings,
    pub crash: CrashPlan,
    pub(crate) summary: PayoutSummary,
}

impl<'a, B: ChainBackend> PayoutEngine<'a, B> {
    pub fn new(backend: &'a mut B, db: &'a PgPool, mint: Pubkey, settings: EngineSettings) -> Self {
        PayoutEngine {
            backend,
            db,
            mint,
            settings,
            crash: CrashPlan::none(),
            summary: PayoutSummary::default(),
        }
    }

    pub fn with_crash(mut self, crash: CrashPlan) -> Self {
        self.crash = crash;
        self
    }

    pub(crate) fn crash_at(&mut self, point: CrashPoint) -> Result<(), EngineError> {
        self.crash.check(point).map_err(EngineError::Crashed)
    }

    /// Pays the planned month, resuming wherever an earlier run stopped. Holds the month's
    /// payout lock for the whole run ([`super::lock`]): a second engine on the same month
    /// waits, then finds the work done.
    pub async fn run(mut self, month: MonthId) -> Result<PayoutSummary, EngineError> {
        let lock = super::lock::MonthLock::acquire(self.db, month).await.map_err(StoreError::Db)?;
        let outcome = self.run_locked(month).await;
        lock.release().await;
        outcome
    }

    async fn run_locked(&mut self, month: MonthId) -> Result<PayoutSummary, EngineError> {
        let before = self.costs_before(month).await?;
        // Whatever the outcome, what the run spent is on record. A run that failed keeps its
        // own error: failing to account for it (the node or the database down as well) is
        // logged, not returned in its place.
        let outcome = self.run_inner(month).await;
        let accounted = self.record_costs(month, before).await;
        match (outcome, accounted) {
            (Ok(_), Ok(())) => Ok(self.summary.clone()),
            (Ok(_), Err(costs)) => Err(costs),
            (Err(run), Err(costs)) => {
                tracing::error!(%month, error = %costs, "the failed run's costs were not recorded");
                Err(run)
            }
            (Err(run), Ok(())) => Err(run),
        }
    }

    /// The balances a run's costs are measured from.
    async fn costs_before(&mut self, month: MonthId) -> Result<CostsBefore, EngineError> {
        let payer = self.backend.payer().pubkey();
        let balance = self.backend.balance(&payer).await?;
        let rent_payer_balance = match self.rent_payer() {
            Some(r) => self.backend.balance(&r).await?,
            None => 0,
        };
        let tables = store::table_addresses_holding_rent(self.db).await?;
        let table_rent = self.rent_held(&tables).await?;
        let state_rent = self.rent_held(&onchain::month_state_accounts(month)).await?;
        Ok(CostsBefore { balance, rent_payer_balance, tables, table_rent, state_rent })
    }

    fn rent_payer(&self) -> Option<Pubkey> {
        self.settings.rent_payer.as_ref().map(|r| r.0.pubkey())
    }

    /// Adds what this run spent since `before` (fees, rent moved into tables and into the
    /// month's accounts) to `payout_costs`.
    async fn record_costs(
        &mut self,
        month: MonthId,
        before: CostsBefore,
    ) -> Result<(), EngineError> {
        let payer = self.backend.payer().pubkey();
        let balance_after = self.backend.balance(&payer).await?;
        self.summary.lamports_spent = before.balance.saturating_sub(balance_after);
        if let Some(r) = self.rent_payer() {
            let rent_after = self.backend.balance(&r).await?;
            self.summary.rent_payer_lamports_spent =
                before.rent_payer_balance.saturating_sub(rent_after);
        }
        let mut tables_after = store::table_addresses_holding_rent(self.db).await?;
        let gone: Vec<Pubkey> =
            before.tables.iter().filter(|a| !tables_after.contains(a)).copied().collect();
        tables_after.extend(gone);
        let table_rent_after = self.rent_held(&tables_after).await?;
        let state_rent_after = self.rent_held(&onchain::month_state_accounts(month)).await?;
        let s = &mut self.summary;
        s.lookup_table_rent = table_rent_after as i64 - before.table_rent as i64;
        s.epoch_rent = state_rent_after as i64 - before.state_rent as i64;
        s.fee_lamports = (s.lamports_spent + s.rent_payer_lamports_spent) as i64
            - s.token_account_rent as i64
            - s.lookup_table_rent
            - s.epoch_rent;
        store::record_costs(self.db, month, &self.summary).await?;
        Ok(())
    }

    /// Lamports held by `addresses` (batched reads).
    async fn rent_held(&mut self, addresses: &[Pubkey]) -> Result<u64, EngineError> {
        let mut total = 0u64;
        for chunk in addresses.chunks(crate::chain::MAX_MULTIPLE_ACCOUNTS) {
            for account in self.backend.accounts(chunk).await?.into_iter().flatten() {
                total = total.saturating_add(account.lamports);
            }
        }
        Ok(total)
    }

    async fn run_inner(&mut self, month: MonthId) -> Result<PayoutSummary, EngineError> {
        let mut plan = store::load_plan(self.db, month).await?.ok_or(EngineError::NoPlan(month))?;
        self.summary.batches = plan.batches.len();
        self.summary.recipients = plan.batches.iter().map(|b| b.batch.payees.len()).sum();
        self.crash_at(CrashPoint::AfterPlanLoaded)?;
        if plan.state == "empty" {
            // Nothing payable: the month is complete without touching the chain.
            return Ok(self.summary.clone());
        }
        if plan.unpaid_carried {
            if self.settings.reclaim_lookup_tables {
                self.reclaim_lookup_tables().await?;
            }
            return Ok(self.summary.clone());
        }
        let report_hash = parse_hash(&plan.report_sha256)?;
        let plan_hash = self.verified_plan_hash(&plan)?;

        let epoch = self.epoch(month).await?;
        if let Some(e) = &epoch {
            if e.report_hash != report_hash {
                return Err(EngineError::ReportMismatch(month));
            }
            self.check_epoch_plan(month, e, &plan_hash)?;
        }
        let closed = epoch.as_ref().is_some_and(|e| e.closed);
        let unpaid = !closed && plan.batches.iter().any(|b| b.state != BatchState::Confirmed);
        if epoch.is_none() {
            self.recheck_recipients(&plan).await?;
        }
        let tables = if unpaid && plan.form == TxForm::LookupTable {
            if !self.backend.supports_lookup_tables() {
                return Err(EngineError::NoLookupTables(month));
            }
            Some(self.ensure_lookup_tables(&plan).await?)
        } else {
            None
        };
        if unpaid && plan.token_accounts == TokenAccountPolicy::Create {
            self.ensure_token_accounts(&plan).await?;
        }
        self.crash_at(CrashPoint::AfterTokenAccountsCreated)?;

        if epoch.is_none() {
            self.open_epoch(&plan, report_hash, plan_hash).await?;
        }
        let epoch = self
            .epoch(month)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("epoch {month} vanished")))?;
        if epoch.proposed {
            store::set_epoch_state(self.db, month, "proposed").await?;
            self.write_plan_roots(&plan).await?;
            self.approve(&plan, plan_hash).await?;
        }
        if !epoch.closed {
            store::set_epoch_state(self.db, month, "open").await?;
            for stored in plan.batches.iter_mut() {
                if stored.state != BatchState::Confirmed {
                    let batch_tables = tables.as_ref().map(|set| {
                        set.for_accounts(stored.batch.payees.iter().map(|p| &p.token_account))
                    });
                    if !self.pay_batch(month, &plan_hash, stored, batch_tables.as_deref()).await? {
                        break; // the epoch was closed (aborted by the admin)
                    }
                }
            }
            self.close_epoch(month).await?;
        }
        self.carry_unpaid(&plan).await?;
        if self.settings.reclaim_lookup_tables {
            self.reclaim_lookup_tables().await?;
        }
        Ok(self.summary.clone())
    }

    fn verified_plan_hash(&self, plan: &StoredPlan) -> Result<[u8; 32], EngineError> {
        verify_stored_plan(plan)
    }

    fn check_batch_root(&self, month: MonthId, stored: &StoredBatch) -> Result<(), EngineError> {
        check_batch_root(month, stored)
    }

    fn check_epoch_plan(
        &self,
        month: MonthId,
        epoch: &EpochView,
        plan_hash: &[u8; 32],
    ) -> Result<(), EngineError> {
        if &epoch.plan_hash != plan_hash {
            return Err(EngineError::PlanMismatch {
                month,
                stored: hex::encode(plan_hash),
                onchain: hex::encode(epoch.plan_hash),
            });
        }
        Ok(())
    }

    /// Before the epoch opens, the recipients are checked again. The plan is committed by
    /// then (its hash goes into `open_epoch`), so a recipient that became unusable stays in
    /// it: the treasury skips an unusable token account and the engine carries it back as
    /// pending after the close; a wallet address that became a non-system account is still on
    /// the curve (its key holder owns the payout). Both are logged for the operator.
    async fn recheck_recipients(&mut self, plan: &StoredPlan) -> Result<(), EngineError> {
        let pairs: Vec<(Pubkey, Pubkey)> = plan
            .batches
            .iter()
            .flat_map(|b| b.batch.payees.iter().map(|p| (p.wallet, p.token_account)))
            .collect();
        let payees: Vec<&super::plan::Payee> =
            plan.batches.iter().flat_map(|b| b.batch.payees.iter()).collect();
        let mint = self.mint;
        let verdicts =
            super::recipients::check_all(self.backend, &mint, &pairs, plan.token_accounts).await?;
        for (payee, verdict) in payees.into_iter().zip(verdicts) {
            if let Err(why) = verdict {
                self.summary.recipients_flagged_before_open += 1;
                tracing::warn!(month = %plan.month, member = payee.member_id, wallet = %payee.wallet, reason = %why,
                    "recipient became unusable since planning: the treasury will skip it and it will be carried back as pending");
            }
        }
        Ok(())
    }

    async fn epoch(&mut self, month: MonthId) -> Result<Option<EpochView>, EngineError> {
        let data = self.backend.account_data(&onchain::epoch_address(month)).await?;
        onchain::decode_epoch(data).map_err(|e| StoreError::Corrupt(e).into())
    }

    /// Signs `ixs` priced for attempt `attempt` (0: the first signature of this work) by the
    /// backend's priority-fee policy: the compute-budget instructions (`units`: the limit to
    /// ask for, `None` the default budget) go in front. A transaction that does not fit the
    /// packet with them is sent without them (logged) when it needs no limit.
    pub(crate) async fn sign_priced(
        &mut self,
        ixs: &[Instruction],
        signer: Option<&Keypair>,
        tables: Option<&[AddressLookupTableAccount]>,
        units: Option<u32>,
        attempt: u32,
    ) -> Result<(VersionedTransaction, u64), EngineError> {
        let (price, priced) =
            crate::chain::priority::budget_instructions(self.backend, ixs, units, attempt).await;
        match self.sign_with(&priced, signer, tables).await {
            Err(EngineError::TooLarge(e))
                if price > 0 && units.is_none_or(|u| u <= limits::DEFAULT_COMPUTE_UNITS) =>
            {
                tracing::warn!(error = %e, "transaction sent without its priority fee to fit the packet");
                self.sign_with(ixs, signer, tables).await
            }
            other => other,
        }
    }

    /// Signs `ixs` with `signer` (default: the distributor key) as the only signer and fee
    /// payer, as a v0 transaction through `tables` if given, and refuses a transaction that
    /// breaks the packet or lock limit.
    pub(crate) async fn sign_with(
        &mut self,
        ixs: &[Instruction],
        signer: Option<&Keypair>,
        tables: Option<&[AddressLookupTableAccount]>,
    ) -> Result<(VersionedTransaction, u64), EngineError> {
        let recent = self.backend.latest_blockhash().await?;
        let signer = signer.unwrap_or_else(|| self.backend.payer());
        let tx =
            limits::signed(signer, ixs, tables, recent.blockhash).map_err(EngineError::Build)?;
        // Nodes drop packets over 1,232 bytes without a word; refuse to send one.
        limits::check(&tx)?;
        Ok((tx, recent.last_valid_block_height))
    }

    /// Sends `tx` and reports transport errors as "outcome unknown" rather than failure.
    /// Returns `Some(Failed)` when a program refused it at preflight: it was not forwarded and
    /// cannot land, and the caller treats it as a failure on-chain (it would fail the same
    /// way); every other refusal is waited out like a transaction that may still land.
    pub(crate) async fn send(
        &mut self,
        tx: &VersionedTransaction,
        what: &str,
    ) -> Result<Option<SignatureStatus>, EngineError> {
        self.summary.transactions_sent += 1;
        match self.backend.send(tx).await {
            Ok(()) => Ok(None),
            Err(ChainError::Transport(e)) => {
                tracing::warn!(what, error = %e, "send outcome unknown; will reconcile with the chain");
                Ok(None)
            }
            Err(ChainError::Rejected(e)) => {
                tracing::warn!(what, error = %e, "node refused the transaction");
                Ok(None)
            }
            Err(ChainError::RefusedAtPreflight { error, custom_code }) => {
                tracing::warn!(what, %error, ?custom_code, "a program refused the transaction at preflight");
                Ok(Some(SignatureStatus::Failed { error, custom_code }))
            }
        }
    }

    async fn open_epoch(
        &mut self,
        plan: &StoredPlan,
        report_hash: [u8; 32],
        plan_hash: [u8; 32],
    ) -> Result<(), EngineError> {
        let month = plan.month;
        let distributor = self.backend.payer().pubkey();
        let batch_count = u16::try_from(plan.batches.len())
            .map_err(|_| StoreError::Corrupt("batch count".into()))?;
        let ix = onchain::open_epoch(
            &distributor,
            month,
            plan.total,
            report_hash,
            batch_count,
            plan_hash,
        );
        self.crash_at(CrashPoint::BeforeOpenEpochSent)?;
        let landed = self
            .until_epoch(
                month,
                store::EpochStep::Open,
                "open_epoch",
                ix,
                None,
                |e| e.is_some(),
                Some(CrashPoint::AfterOpenEpochSent),
            )
            .await?;
        self.summary.epoch_opened_now = landed;
        Ok(())
    }

    /// Writes every batch root the plan pages do not hold yet (idempotent: the pages are read
    /// first, so a restart writes only what is missing).
    async fn write_plan_roots(&mut self, plan: &StoredPlan) -> Result<(), EngineError> {
        let month = plan.month;
        let roots: Vec<[u8; 32]> = plan.batches.iter().map(|b| b.batch.root(month)).collect();
        let batch_count =
            u16::try_from(roots.len()).map_err(|_| StoreError::Corrupt("batch count".into()))?;
        let pages = stk_client::treasury::plan_pages(month.0, batch_count);
        let mut onchain: Vec<Option<PageEntry>> = vec![None; roots.len()];
        for (p, address) in pages.iter().enumerate() {
            if let Some(data) = self.backend.account_data(address).await? {
                let entries = onchain::decode_plan_page(&data).map_err(StoreError::Corrupt)?;
                let first = p * stk_common::payout_plan::PLAN_PAGE_ENTRIES;
                for (i, e) in entries.into_iter().enumerate() {
                    if let Some(slot) = onchain.get_mut(first + i) {
                        *slot = Some(e);
                    }
                }
            }
        }
        let distributor = self.backend.payer().pubkey();
        let ixs =
            stk_client::treasury::write_plan_roots_instructions(&distributor, month.0, &roots);
        let mut first = 0usize;
        for (n, ix) in ixs.into_iter().enumerate() {
            // Each instruction covers consecutive batches from `first`; recover its length
            // from the same split rule the builder uses.
            let page_end = (first / stk_common::payout_plan::PLAN_PAGE_ENTRIES + 1)
                * stk_common::payout_plan::PLAN_PAGE_ENTRIES;
            let len =
                (roots.len().min(page_end) - first).min(stk_client::treasury::MAX_ROOTS_PER_WRITE);
            let range = first..first + len;
            first += len;
            let written = range.clone().all(|b| onchain[b].is_some_and(|e| e.root == roots[b]));
            if written {
                continue;
            }
            self.submit_until_landed("write_plan_roots", &[ix]).await?;
            self.summary.roots_written += len;
            self.crash_at(CrashPoint::AfterPlanRootsWritten(n as u32))?;
        }
        Ok(())
    }

    /// Approval: with an approver key (embedded demo, tests) the engine signs `approve_epoch`;
    /// otherwise it stops here until the admin has approved the plan on-chain.
    async fn approve(&mut self, plan: &StoredPlan, plan_hash: [u8; 32]) -> Result<(), EngineError> {
        let month = plan.month;
        let Some(approver) = self.settings.approver.clone() else {
            let plan_hash = hex::encode(plan_hash);
            tracing::info!(%month, %plan_hash, "plan written on-chain; awaiting the admin's approve_epoch");
            return Err(EngineError::AwaitingApproval { month, plan_hash });
        };
        let batch_count = u16::try_from(plan.batches.len())
            .map_err(|_| StoreError::Corrupt("batch count".into()))?;
        let ix = stk_client::treasury::approve_epoch(
            &approver.0.pubkey(),
            month.0,
            plan_hash,
            batch_count,
        );
        self.until_epoch(
            month,
            store::EpochStep::Approve,
            "approve_epoch",
            ix,
            Some(approver.0.as_ref()),
            |e| e.is_some_and(|e| !e.proposed),
            None,
        )
        .await?;
        self.crash_at(CrashPoint::AfterApproval)?;
        Ok(())
    }

    async fn close_epoch(&mut self, month: MonthId) -> Result<(), EngineError> {
        let authority = self.backend.payer().pubkey();
        let ix = onchain::close_epoch(&authority, month);
        if self.epoch(month).await?.is_some_and(|e| e.closed) {
            return Ok(());
        }
        self.crash_at(CrashPoint::BeforeCloseEpochSent)?;
        let landed = self
            .until_epoch(
                month,
                store::EpochStep::Close,
                "close_epoch",
                ix,
                None,
                |e| e.is_some_and(|e| e.closed),
                Some(CrashPoint::AfterCloseEpochSent),
            )
            .await?;
        self.summary.epoch_closed_now = landed;
        Ok(())
    }

    /// The closed epoch's unpaid lines (batches never paid, positions skipped on-chain) become
    /// pending allocations, once.
    async fn carry_unpaid(&mut self, plan: &StoredPlan) -> Result<(), EngineError> {
        let month = plan.month;
        let epoch = self
            .epoch(month)
            .await?
            .ok_or_else(|| StoreError::Corrupt(format!("epoch {month} vanished")))?;
        let batch_count = u16::try_from(plan.batches.len())
            .map_err(|_| StoreError::Corrupt("batch count".into()))?;
        let mut masks: Vec<u64> = vec![0; plan.batches.len()];
        for (p, address) in
            stk_client::treasury::plan_pages(month.0, batch_count).iter().enumerate()
        {
            let Some(data) = self.backend.account_data(address).await? else { continue };
            let entries = onchain::decode_plan_page(&data).map_err(StoreError::Corrupt)?;
            let first = p * stk_common::payout_plan::PLAN_PAGE_ENTRIES;
            for (i, e) in entries.into_iter().enumerate() {
                if let Some(m) = masks.get_mut(first + i) {
                    *m = e.skipped_mask;
                }
            }
        }
        let lines = super::carry::unpaid_lines(
            plan,
            |b| epoch.is_batch_paid(b),
            |b| masks.get(b as usize).copied().unwrap_or(0),
        );
        if let Some(carried) = super::carry::carry_unpaid(self.db, plan, &lines).await? {
            self.summary.recipients_carried = carried.recipients;
            self.summary.amount_carried = carried.amount;
            if carried.recipients > 0 {
                tracing::warn!(%month, recipients = carried.recipients, amount = carried.amount,
                    "recipients not paid by the closed epoch are pending again");
            }
        }
        Ok(())
    }

    /// Sends `ix` (signed by `signer`, default the distributor key) until the epoch satisfies
    /// `done`. Returns whether this run's transaction did it. A failure on-chain ends the
    /// step; transport errors and expiries re-sign, up to `max_sends_per_run` in one run.
    #[allow(clippy::too_many_arguments)]
    async fn until_epoch(
        &mut self,
        month: MonthId,
        step: store::EpochStep,
        what: &str,
        ix: Instruction,
        signer: Option<&Keypair>,
        done: impl Fn(Option<&EpochView>) -> bool,
        crash_after_send: Option<CrashPoint>,
    ) -> Result<bool, EngineError> {
        let mut sends = 0;
        loop {
            if done(self.epoch(month).await?.as_ref()) {
                return Ok(false);
            }
            sends += 1;
            if sends > self.settings.max_sends_per_run {
                return Err(EngineError::Stuck { what: what.to_string(), waits: sends - 1 });
            }
            let units = Some(self.settings.compute_unit_limit);
            let (tx, last_valid) =
                self.sign_priced(std::slice::from_ref(&ix), signer, None, units, sends - 1).await?;
            let signature = tx.signatures[0];
            store::record_epoch_signature(self.db, month, step, &signature.to_string()).await?;
            let refused = self.send(&tx, what).await?;
            if let Some(point) = crash_after_send {
                self.crash_at(point)?;
            }
            let outcome = match refused {
                Some(refusal) => refusal,
                None => self.await_signature(&signature, last_valid, what).await?,
            };
            match outcome {
                SignatureStatus::Succeeded => {
                    if done(self.epoch(month).await?.as_ref()) {
                        return Ok(true);
                    }
                }
                SignatureStatus::Failed { error, .. } => {
                    if done(self.epoch(month).await?.as_ref()) {
                        return Ok(false);
                    }
                    return Err(EngineError::Refused { what: what.to_string(), error });
                }
                SignatureStatus::Unknown => {} // expired: sign again
            }
        }
    }

    /// Signs and sends `ixs` (signed again after each expiry) until they land; errors if they
    /// fail on-chain. For idempotent instructions only (token-account creation, cranks).
    pub async fn submit_until_landed(
        &mut self,
        what: &str,
        ixs: &[Instruction],
    ) -> Result<(), EngineError> {
        self.submit_signed_until_landed(what, ixs, None, None).await
    }

    /// [`Self::submit_until_landed`] signed by `signer` (default: the distributor key),
    /// asking for `units` of compute (`None`: the default budget).
    pub(crate) async fn submit_signed_until_landed(
        &mut self,
        what: &str,
        ixs: &[Instruction],
        signer: Option<&Keypair>,
        units: Option<u32>,
    ) -> Result<(), EngineError> {
        for attempt in 0..self.settings.max_sends_per_run {
            let (tx, last_valid) = self.sign_priced(ixs, signer, None, units, attempt).await?;
            let signature = tx.signatures[0];
            let outcome = match self.send(&tx, what).await? {
                Some(refusal) => refusal,
                None => self.await_signature(&signature, last_valid, what).await?,
            };
            match outcome {
                SignatureStatus::Succeeded => return Ok(()),
                SignatureStatus::Failed { error, .. } => {
                    return Err(EngineError::Refused { what: what.to_string(), error })
                }
                SignatureStatus::Unknown => {} // expired: sign again
            }
        }
        Err(EngineError::Stuck { what: what.to_string(), waits: self.settings.max_sends_per_run })
    }

    /// Polls a signature until it lands or its blockhash expires (then `Unknown`).
    pub(crate) async fn await_signature(
        &mut self,
        signature: &solana_signature::Signature,
        last_valid_block_height: u64,
        what: &str,
    ) -> Result<SignatureStatus, EngineError> {
        for _ in 0..self.settings.max_waits {
            match self.backend.signature_status(signature).await? {
                SignatureStatus::Unknown => {}
                landed => return Ok(landed),
            }
            if self.backend.block_height().await? > last_valid_block_height {
                // One last look: it may have landed in the final valid block.
                return Ok(self.backend.signature_status(signature).await?);
            }
            self.backend.wait().await;
        }
        Err(EngineError::Stuck { what: what.to_string(), waits: self.settings.max_waits })
    }

    /// Pays one batch exactly once: the on-chain bitmap decides whether it is paid. Returns
    /// `false` if the epoch was closed (aborted) before the batch was paid.
    async fn pay_batch(
        &mut self,
        month: MonthId,
        plan_hash: &[u8; 32],
        stored: &mut StoredBatch,
        tables: Option<&[AddressLookupTableAccount]>,
    ) -> Result<bool, EngineError> {
        let index = stored.batch.index;
        let what = format!("batch {index}");
        let mut last_error = String::new();
        let mut sends = 0u32;
        loop {
            let epoch = self
                .epoch(month)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("epoch {month} vanished")))?;
            if epoch.is_batch_paid(index) {
                self.crash_at(CrashPoint::AfterBatchLandedBeforeRecorded(index))?;
                store::record_confirmed(self.db, month, index).await?;
                stored.state = BatchState::Confirmed;
                self.summary.batches_confirmed_now += 1;
                tracing::info!(
                    %month,
                    batch = index,
                    confirmed_now = self.summary.batches_confirmed_now,
                    of = self.summary.batches,
                    "batch confirmed"
                );
                self.crash_at(CrashPoint::AfterBatchConfirmed(index))?;
                return Ok(true);
            }
            if epoch.closed {
                tracing::warn!(%month, batch = index, "epoch closed before this batch was paid");
                return Ok(false);
            }
            // A recorded signature that may still land must be waited for, never doubled.
            if let (BatchState::Sent, Some(sig), Some(last_valid)) =
                (stored.state, stored.signature.as_deref(), stored.last_valid_block_height)
            {
                let signature: solana_signature::Signature =
                    sig.parse().map_err(|_| StoreError::Corrupt(format!("signature {sig:?}")))?;
                if let SignatureStatus::Failed { error, custom_code } =
                    self.await_signature(&signature, last_valid, &what).await?
                {
                    self.batch_failed(month, stored, &mut last_error, error, custom_code).await?;
                }
                // Whatever happened, that signature can no longer land twice: re-read the bitmap.
                stored.state = BatchState::Planned;
                continue;
            }
            // Only failures on-chain give a batch up; transport errors and expiries stop this
            // run (to resume later) but never end the month.
            if stored.failures >= self.settings.max_attempts {
                if last_error.is_empty() {
                    last_error =
                        store::last_error(self.db, month, index).await?.unwrap_or_default();
                }
                return Err(EngineError::GaveUp {
                    index,
                    attempts: stored.failures,
                    error: last_error,
                });
            }
            if sends >= self.settings.max_sends_per_run {
                return Err(EngineError::Stuck { what, waits: sends });
            }
            // Before every send: the epoch commits the stored plan, and the batch's stored
            // content is the one its stored root commits to.
            self.check_epoch_plan(month, &epoch, plan_hash)?;
            let stored_plan: Option<String> =
                sqlx::query_scalar("SELECT plan_hash FROM payout_epochs WHERE month = $1")
                    .bind(month.to_string())
                    .fetch_one(self.db)
                    .await
                    .map_err(StoreError::Db)?;
            if stored_plan.as_deref() != Some(hex::encode(plan_hash).as_str()) {
                return Err(EngineError::PlanMismatch {
                    month,
                    stored: stored_plan.unwrap_or_default(),
                    onchain: hex::encode(epoch.plan_hash),
                });
            }
            self.check_batch_root(month, stored)?;
            let (tx, last_valid) =
                self.sign_batch(month, &stored.batch, tables, stored.attempts).await?;
            let signature = tx.signatures[0].to_string();
            store::record_sent(self.db, month, index, &signature, last_valid).await?;
            stored.state = BatchState::Sent;
            stored.signature = Some(signature);
            stored.last_valid_block_height = Some(last_valid);
            stored.attempts += 1;
            sends += 1;
            self.crash_at(CrashPoint::AfterBatchRecordedBeforeSend(index))?;
            let refused = self.send(&tx, &what).await?;
            self.crash_at(CrashPoint::AfterBatchSent(index))?;
            if let Some(SignatureStatus::Failed { error, custom_code }) = refused {
                // Refused at preflight: not forwarded, it cannot land. It counts like a failure
                // on-chain (unless the batch is already paid); the bitmap decides what next.
                self.batch_failed(month, stored, &mut last_error, error, custom_code).await?;
                stored.state = BatchState::Planned;
            }
        }
    }

    /// A batch's transaction failed (on-chain, or refused by a program at preflight): counted
    /// toward giving the batch up, with its error on record — unless the treasury refused it
    /// because the batch is already paid (a resend that raced its landed original).
    async fn batch_failed(
        &mut self,
        month: MonthId,
        stored: &mut StoredBatch,
        last_error: &mut String,
        error: String,
        custom_code: Option<u32>,
    ) -> Result<(), EngineError> {
        let index = stored.batch.index;
        if custom_code == Some(onchain::batch_already_paid_code()) {
            tracing::info!(batch = index, "a resend was refused: the batch is already paid");
            return Ok(());
        }
        tracing::warn!(batch = index, %error, "payout transaction failed");
        store::record_error(self.db, month, index, &error).await?;
        stored.failures += 1;
        *last_error = error;
        Ok(())
    }

    /// The batch's transaction at the price of its attempt `attempt`. A batch planned without
    /// a priority fee may not fit once a fee is configured (the compute-budget instructions
    /// cost bytes): it is then sent without them when its compute estimate is within the
    /// default budget.
    async fn sign_batch(
        &mut self,
        month: MonthId,
        batch: &PlannedBatch,
        tables: Option<&[AddressLookupTableAccount]>,
        attempt: u32,
    ) -> Result<(VersionedTransaction, u64), EngineError> {
        let distributor = self.backend.payer().pubkey();
        let unpriced = [onchain::distribute_batch(&distributor, month, batch)];
        let price = crate::chain::priority::price_for(self.backend, &unpriced, attempt).await;
        let ixs = limits::batch_instructions(&distributor, month, batch, price);
        match self.sign_with(&ixs, None, tables).await {
            Err(EngineError::TooLarge(e))
                if price > 0
                    && limits::batch_compute_units(batch.payees.len())
                        <= limits::DEFAULT_COMPUTE_UNITS =>
            {
                tracing::warn!(batch = batch.index, error = %e, "batch sent without its priority fee to fit the packet");
                let ixs = limits::batch_instructions(&distributor, month, batch, 0);
                self.sign_with(&ixs, None, tables).await
            }
            other => other,
        }
    }

    /// Creates the missing recipients' token accounts (idempotent instructions), in plan
    /// order, as many per transaction as the instruction trace allows
    /// ([`limits::max_token_account_creations`]). The rent payer (default: the distributor
    /// key) funds them and signs these transactions alone.
    async fn ensure_token_accounts(&mut self, plan: &StoredPlan) -> Result<(), EngineError> {
        let mut seen = std::collections::HashSet::new();
        let wanted: Vec<(Pubkey, Pubkey)> = plan
            .batches
            .iter()
            .filter(|b| b.state != BatchState::Confirmed)
            .flat_map(|b| b.batch.payees.iter().map(|p| (p.wallet, p.token_account)))
            .filter(|pair| seen.insert(*pair))
            .collect();
        let mut missing: Vec<(Pubkey, Pubkey)> = vec![];
        for chunk in wanted.chunks(crate::chain::MAX_MULTIPLE_ACCOUNTS) {
            let addresses: Vec<Pubkey> = chunk.iter().map(|(_, t)| *t).collect();
            let accounts = self.backend.accounts(&addresses).await?;
            for (pair, account) in chunk.iter().zip(accounts) {
                if account.is_none() {
                    missing.push(*pair);
                }
            }
        }
        let rent_payer = self.settings.rent_payer.clone();
        let signer = rent_payer.as_ref().map(|r| r.0.as_ref());
        let payer = signer.map(|k| k.pubkey()).unwrap_or_else(|| self.backend.payer().pubkey());
        let per_tx =
            limits::max_token_account_creations(self.backend.priority_fee().max_price()).max(1);
        for chunk in missing.chunks(per_tx) {
            let wallets: Vec<Pubkey> = chunk.iter().map(|(w, _)| *w).collect();
            let ixs = limits::token_account_creations(&payer, &self.mint, &wallets);
            let units = limits::COMPUTE_UNITS_PER_TOKEN_ACCOUNT.saturating_mul(chunk.len() as u32);
            let units = (units > limits::DEFAULT_COMPUTE_UNITS).then_some(units);
            self.submit_signed_until_landed("create token accounts", &ixs, signer, units).await?;
            self.summary.token_accounts_created += chunk.len();
            // Every STK token account has the same size, so the same rent: one read tells.
            let rent_each = self.rent_held(&[chunk[0].1]).await?;
            self.summary.token_account_rent += rent_each * chunk.len() as u64;
            tracing::info!(
                created = self.summary.token_accounts_created,
                of = missing.len(),
                "recipients' token accounts created"
            );
        }
        Ok(())
    }
}

/// The stored plan hash, after recomputing it — and every batch root — from the stored rows:
/// a plan whose rows were changed in Postgres is refused before anything is sent or approved.
pub fn verify_stored_plan(plan: &StoredPlan) -> Result<[u8; 32], EngineError> {
    let month = plan.month;
    let stored = plan.plan_hash.as_deref().ok_or(EngineError::NoPlanHash(month))?;
    let stored_hash = parse_hash(stored)?;
    for b in &plan.batches {
        check_batch_root(month, b)?;
    }
    let batches: Vec<PlannedBatch> = plan.batches.iter().map(|b| b.batch.clone()).collect();
    let recomputed = super::plan::plan_hash(month, &parse_hash(&plan.report_sha256)?, &batches)
        .map_err(StoreError::Plan)?;
    if recomputed != stored_hash {
        return Err(EngineError::PlanMismatch {
            month,
            stored: stored.to_string(),
            onchain: format!("{} (recomputed from the stored rows)", hex::encode(recomputed)),
        });
    }
    Ok(stored_hash)
}

/// The batch's stored recipients hash to its stored root.
pub fn check_batch_root(month: MonthId, stored: &StoredBatch) -> Result<(), EngineError> {
    let index = stored.batch.index;
    match stored.root.as_deref() {
        Some(root) if root == hex::encode(stored.batch.root(month)) => Ok(()),
        _ => Err(EngineError::BatchMismatch { month, index }),
    }
}

fn parse_hash(hex_hash: &str) -> Result<[u8; 32], EngineError> {
    Ok(store::parse_hash(hex_hash)?)
}

/// Re-exported for callers that plan and pay in one go.
pub use super::plan::plan_batches;
pub type Batches = Vec<PlannedBatch>;
