//! The two-step admin rotation every program shares (`stk_common::authority`), attacked the
//! same way for each: one scenario, parameterized by the program's builders and errors, so
//! the three programs' tests cannot drift apart.
use crate::ledger::{ExpectFailure, Ledger};
use anchor_lang::prelude::Pubkey;
use solana_instruction::Instruction;
use solana_signer::Signer;

/// One program's rotation: its builders, where its state lives and how to read the roles.
pub struct AdminRotation<'a> {
    /// `propose_admin(admin, candidate)`.
    pub propose: &'a dyn Fn(&Pubkey, &Pubkey) -> Instruction,
    /// `accept_admin(candidate)`.
    pub accept: &'a dyn Fn(&Pubkey) -> Instruction,
    /// The program's state account holding the admin.
    pub state: Pubkey,
    /// `(admin, pending_admin)` from the state account's data.
    pub roles: &'a dyn Fn(&[u8]) -> (Pubkey, Pubkey),
    /// The error of `propose_admin` signed by anyone but the admin.
    pub not_admin: u32,
    /// The error of `accept_admin` signed by anyone but the pending candidate.
    pub not_proposed: u32,
}

impl AdminRotation<'_> {
    async fn roles_now(&self, ledger: &mut Ledger) -> (Pubkey, Pubkey) {
        let account = ledger.account(&self.state).await.expect("state account");
        (self.roles)(&account.data)
    }

    /// Runs the scenario with the ledger's payer as the current admin; returns the new admin
    /// (funded), so the caller can show the role's own instructions moved with it.
    ///
    /// Attacks: a stranger proposes; accepting with nothing pending; a third party accepts a
    /// pending proposal; the candidate accepts a withdrawn proposal; the old admin proposes
    /// after the hand-over; the new admin accepts twice. Each is refused with the program's
    /// specific error, and the roles read back after every step.
    pub async fn run(&self, ledger: &mut Ledger) -> solana_keypair::Keypair {
        let old = ledger.payer();
        let new = ledger.funded_keypair(1_000_000_000).await;
        let third = ledger.funded_keypair(1_000_000_000).await;
        let (n, t) = (new.pubkey(), third.pubkey());
        assert_eq!(self.roles_now(ledger).await, (old, Pubkey::default()));

        let ix = (self.propose)(&t, &t);
        ledger.send_as(&third, &[ix], &[]).await.expect_failure().assert_code(self.not_admin);
        let ix = (self.accept)(&n);
        ledger.send_as(&new, &[ix], &[]).await.expect_failure().assert_code(self.not_proposed);

        Ledger::ok(ledger.send(&[(self.propose)(&old, &n)], &[]).await);
        assert_eq!(self.roles_now(ledger).await, (old, n), "proposing changes nothing yet");
        let ix = (self.accept)(&t);
        ledger.send_as(&third, &[ix], &[]).await.expect_failure().assert_code(self.not_proposed);

        // Withdrawn: the candidate can no longer accept.
        Ledger::ok(ledger.send(&[(self.propose)(&old, &Pubkey::default())], &[]).await);
        assert_eq!(self.roles_now(ledger).await, (old, Pubkey::default()));
        let ix = (self.accept)(&n);
        ledger.send_as(&new, &[ix], &[]).await.expect_failure().assert_code(self.not_proposed);

        // Proposed again and accepted: the role moves, the proposal is spent.
        Ledger::ok(ledger.send(&[(self.propose)(&old, &n)], &[]).await);
        Ledger::ok(ledger.send_as(&new, &[(self.accept)(&n)], &[]).await);
        assert_eq!(self.roles_now(ledger).await, (n, Pubkey::default()));
        let ix = (self.accept)(&n);
        ledger.send_as(&new, &[ix], &[]).await.expect_failure().assert_code(self.not_proposed);

        // The old key lost the role; the new one holds it.
        let ix = (self.propose)(&old, &old);
        ledger.send(&[ix], &[]).await.expect_failure().assert_code(self.not_admin);
        Ledger::ok(ledger.send_as(&new, &[(self.propose)(&n, &t)], &[]).await);
        Ledger::ok(ledger.send_as(&new, &[(self.propose)(&n, &Pubkey::default())], &[]).await);
        assert_eq!(self.roles_now(ledger).await, (n, Pubkey::default()));
        new
    }
}
