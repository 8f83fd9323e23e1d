//! `stk_startup_fund` on the ledger: the STK mint with the fund's PDA vault as its
//! startup-fund destination, the fund with a funded council, and one helper per instruction
//! (council members sign and pay for their own transactions). Investments paid as vesting
//! grants need `stk_vesting` initialized too ([`FundSetup::initialize_vesting`]).
use crate::{
    ledger::{Ledger, TxResult},
    stk::{Destination, StkMintSetup, StkMintSetupArgs},
};
use anchor_lang::prelude::Pubkey;
use solana_keypair::Keypair;
use solana_signer::Signer;
use stk_client::{
    startup_fund::{self as fund_ix, FundAddresses},
    vesting as vesting_ix,
};
use stk_common::seeds;
use stk_startup_fund::{
    instructions::InitializeArgs,
    state::{Fund, Project, Proposal, MIN_LOCK_PERIOD},
};
use stk_vesting::{curve::VestingSchedule, state::Grant};

/// What to initialize the fund (and the STK mint under it) with.
#[derive(Debug, Clone)]
pub struct FundSetupArgs {
    pub council_size: usize,
    pub threshold: u8,
    pub lock_period: i64,
    /// The STK mint; its startup-fund destination is forced to the fund's vault.
    pub stk: StkMintSetupArgs,
}

impl Default for FundSetupArgs {
    fn default() -> Self {
        FundSetupArgs {
            council_size: 3,
            threshold: 2,
            lock_period: MIN_LOCK_PERIOD,
            stk: StkMintSetupArgs::default(),
        }
    }
}

/// An initialized STK mint and startup fund, with the council's keypairs.
pub struct FundSetup {
    pub stk: StkMintSetup,
    pub addresses: FundAddresses,
    pub council: Vec<Keypair>,
    pub threshold: u8,
    pub lock_period: i64,
}

impl FundSetup {
    /// Initializes `stk_mint` (fund vault as the startup-fund destination), then the fund with
    /// `council_size` fresh, funded council keys.
    pub async fn initialize(ledger: &mut Ledger, args: FundSetupArgs) -> Self {
        let mut stk_args = args.stk.clone();
        stk_args.startup_fund = Destination::Existing(seeds::find_fund_vault());
        let stk = StkMintSetup::initialize_mint_only(ledger, stk_args).await;
        let mut council = Vec::with_capacity(args.council_size);
        for _ in 0..args.council_size {
            council.push(ledger.funded_keypair(1_000_000_000).await);
        }
        let init = InitializeArgs {
            council: council.iter().map(|k| k.pubkey()).collect(),
            threshold: args.threshold,
            lock_period: args.lock_period,
        };
        Ledger::ok(ledger.send(&[fund_ix::initialize(&ledger.payer(), init)], &[]).await);
        // The sale vault, the mint's genesis destination (and `stk_vesting`, which investment
        // grants need).
        stk.create_missing_vaults(ledger).await;
        FundSetup {
            stk,
            addresses: fund_ix::addresses(),
            council,
            threshold: args.threshold,
            lock_period: args.lock_period,
        }
    }

    pub async fn state(&self, ledger: &mut Ledger) -> Fund {
        ledger.anchor_account(&self.addresses.fund).await
    }

    pub async fn proposal(&self, ledger: &mut Ledger, id: u64) -> Proposal {
        ledger.anchor_account(&seeds::find_proposal(id)).await
    }

    pub async fn project(&self, ledger: &mut Ledger, project_id: &Pubkey) -> Project {
        ledger.anchor_account(&seeds::find_project(project_id)).await
    }

    /// Makes sure `stk_vesting` (its config and sale vault) is initialized over the same STK
    /// mint, which investment grants need. [`FundSetup::initialize`] already does it whenever
    /// the genesis destination is the sale vault (the default).
    pub async fn initialize_vesting(&self, ledger: &mut Ledger) {
        if !ledger.account_exists(&seeds::find_vesting_config()).await {
            Ledger::ok(ledger.send(&[vesting_ix::initialize(&ledger.payer())], &[]).await);
        }
    }

    /// The `stk_vesting` grant an executed investment-grant proposal created (by the grant id
    /// recorded in the proposal).
    pub async fn grant(&self, ledger: &mut Ledger, id: u64) -> Grant {
        let grant_id = self.proposal(ledger, id).await.grant_id;
        ledger.anchor_account(&vesting_ix::grant_addresses(&grant_id).grant).await
    }

    pub async fn vault_balance(&self, ledger: &mut Ledger) -> u64 {
        ledger.token_amount(&self.addresses.vault).await
    }

    /// Cranks quarter `q` of the mint (warping to its start) and records the deposit; returns
    /// the fund's share of the quarter after checking the vault received exactly it.
    pub async fn crank_quarter(&self, ledger: &mut Ledger, q: u16) -> u64 {
        let before = self.vault_balance(ledger).await;
        Ledger::ok(self.stk.mint_quarter(ledger, q, true).await);
        let emission = self.stk.schedule.quarter_emission(q).expect("quarter in range");
        let (share, _) = self.stk.schedule.split(emission);
        assert_eq!(self.vault_balance(ledger).await, before + share, "quarter {q} share minted");
        Ledger::ok(self.record_deposits(ledger).await);
        share
    }

    pub async fn record_deposits(&self, ledger: &mut Ledger) -> TxResult {
        ledger.send(&[fund_ix::record_deposits()], &[]).await
    }

    /// Registers `project_id`, whose returns the key `project_id` itself records (the
    /// startup team's wallet, as the tests use it).
    pub async fn register_project(
        &self,
        ledger: &mut Ledger,
        member: &Keypair,
        project_id: &Pubkey,
    ) -> TxResult {
        self.register_project_with_returner(ledger, member, project_id, project_id).await
    }

    /// Registers `project_id` with `returner` as the only key that may record its returns.
    /// ([`FundSetup::register_project`] uses the project id itself, the team's wallet.)
    pub async fn register_project_with_returner(
        &self,
        ledger: &mut Ledger,
        member: &Keypair,
        project_id: &Pubkey,
        returner: &Pubkey,
    ) -> TxResult {
        let ix = fund_ix::register_project(&member.pubkey(), project_id, returner);
        ledger.send_as(member, &[ix], &[]).await
    }

    /// Proposes an investment under the fund's next proposal id; returns that id.
    pub async fn propose_investment(
        &self,
        ledger: &mut Ledger,
        proposer: &Keypair,
        project_id: &Pubkey,
        recipient: &Pubkey,
        amount: u64,
    ) -> (u64, TxResult) {
        let id = self.state(ledger).await.next_proposal_id;
        let ix = fund_ix::propose_investment(&proposer.pubkey(), id, project_id, recipient, amount);
        (id, ledger.send_as(proposer, &[ix], &[]).await)
    }

    /// Proposes an investment paid as a vesting grant to the wallet `beneficiary`, under the
    /// fund's next proposal id; returns that id.
    pub async fn propose_investment_grant(
        &self,
        ledger: &mut Ledger,
        proposer: &Keypair,
        project_id: &Pubkey,
        beneficiary: &Pubkey,
        amount: u64,
        schedule: VestingSchedule,
    ) -> (u64, TxResult) {
        let id = self.state(ledger).await.next_proposal_id;
        let p = proposer.pubkey();
        let ix =
            fund_ix::propose_investment_grant(&p, id, project_id, beneficiary, amount, schedule);
        (id, ledger.send_as(proposer, &[ix], &[]).await)
    }

    /// Proposes a council change under the fund's next proposal id; returns that id.
    pub async fn propose_council_change(
        &self,
        ledger: &mut Ledger,
        proposer: &Keypair,
        members: Vec<Pubkey>,
        threshold: u8,
    ) -> (u64, TxResult) {
        let id = self.state(ledger).await.next_proposal_id;
        let ix = fund_ix::propose_council_change(&proposer.pubkey(), id, members, threshold);
        (id, ledger.send_as(proposer, &[ix], &[]).await)
    }

    pub async fn approve(&self, ledger: &mut Ledger, member: &Keypair, id: u64) -> TxResult {
        ledger.send_as(member, &[fund_ix::approve(&member.pubkey(), id)], &[]).await
    }

    pub async fn cancel(&self, ledger: &mut Ledger, signer: &Keypair, id: u64) -> TxResult {
        ledger.send_as(signer, &[fund_ix::cancel(&signer.pubkey(), id)], &[]).await
    }

    pub async fn execute_investment(
        &self,
        ledger: &mut Ledger,
        executor: &Keypair,
        id: u64,
        project_id: &Pubkey,
        recipient: &Pubkey,
    ) -> TxResult {
        let ix = fund_ix::execute_investment(&executor.pubkey(), id, project_id, recipient);
        ledger.send_as(executor, &[ix], &[]).await
    }

    /// Executes investment-grant proposal `id` with grant-id `salt` (the executor pays the
    /// grant's rent).
    pub async fn execute_investment_grant(
        &self,
        ledger: &mut Ledger,
        executor: &Keypair,
        id: u64,
        project_id: &Pubkey,
        salt: u64,
    ) -> TxResult {
        let ix = fund_ix::execute_investment_grant(&executor.pubkey(), id, project_id, salt);
        ledger.send_as(executor, &[ix], &[]).await
    }

    pub async fn execute_council_change(
        &self,
        ledger: &mut Ledger,
        executor: &Keypair,
        id: u64,
    ) -> TxResult {
        let ix = fund_ix::execute_council_change(&executor.pubkey(), id);
        ledger.send_as(executor, &[ix], &[]).await
    }

    pub async fn record_return(
        &self,
        ledger: &mut Ledger,
        returner: &Keypair,
        project_id: &Pubkey,
        source: &Pubkey,
        amount: u64,
    ) -> TxResult {
        let ix = fund_ix::record_return(&returner.pubkey(), project_id, source, amount);
        ledger.send_as(returner, &[ix], &[]).await
    }
}
