//! The rotation engine. RotateSecret records an active job in the same
//! transaction as the pending version; the engine finds active jobs in the
//! store (so a restart resumes them), runs each through its steps, saving
//! its progress after every step, and ends it: succeeded once AWSCURRENT is
//! on the pending version, failed after the last attempt, abandoned when
//! AWSPENDING was taken away, cancelled by CancelRotateSecret.

use super::function_log::FunctionLog;
use super::functions::{Function, FunctionError, Invocation};
use crate::Rotation;
use rekey_model::audit::{AuditEvent, events};
use rekey_model::lifecycle::{self, Retry, Standing};
use rekey_model::rotation::{
    JobStatus, RotationJob, RotationMode, RotationStep, RunningStep, SealedOutput, StepLog, StepRecord,
};
use rekey_model::{ApiResult, Timestamp};
use rekey_service::{RequestContext, Service};
use rekey_store::{Change, FunctionLogRecord, SecretWrite, Store, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often active jobs are looked for without being woken (more often
/// when leases are shorter: a dead node's jobs are taken over soon after
/// their leases expire).
const POLL: Duration = Duration::from_secs(5);
/// What the history says of a step whose runner stopped before it answered.
const INTERRUPTED: &str = "interrupted: the rekey process running this step stopped (it was killed, stopped, or lost the job's lease) before the step answered; the step ran again";

/// The engine: drives rotation jobs through a service's operations and
/// its store, with the functions and settings of a [`Rotation`].
pub struct RotationEngine<S: Store> {
    pub(crate) service: Service<S>,
    pub(crate) rotation: Arc<Rotation>,
}

impl<S: Store> Clone for RotationEngine<S> {
    fn clone(&self) -> Self {
        RotationEngine { service: self.service.clone(), rotation: self.rotation.clone() }
    }
}

impl<S: Store> RotationEngine<S> {
    /// The engine of `rotation` over `service`, which from now on wakes
    /// it and knows its functions (use [`service`](Self::service) to
    /// serve the API).
    pub fn new(service: Service<S>, rotation: Rotation) -> Self {
        let rotation = Arc::new(rotation);
        RotationEngine { service: service.with_runner(rotation.clone()), rotation }
    }

    /// The service, wired to this engine.
    pub fn service(&self) -> &Service<S> {
        &self.service
    }

    /// The functions, settings and callback endpoint.
    pub fn rotation(&self) -> &Rotation {
        &self.rotation
    }

    /// Runs the rotation engine until the service is dropped: takes back
    /// the jobs this node held before it stopped, resumes the active
    /// jobs nobody holds, then starts new ones as RotateSecret records
    /// them and retries failed attempts when their backoff ends.
    pub async fn run_rotations(self) {
        match self.service.store().release_rotations_of(&self.rotation.owner).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "rotations this node held before it stopped resume"),
            Err(e) => tracing::error!(error = %e, "cannot release this node's rotation leases"),
        }
        loop {
            let notified = self.rotation.wake.notified();
            if self.rotation.stopping() {
                return;
            }
            let wait = match self.start_due_jobs().await {
                Ok(wait) => wait,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read rotation jobs");
                    POLL
                }
            };
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Stops the engine for a shutdown: no job is claimed or scheduled
    /// from now on, and every lease this node holds is given up, so that
    /// its jobs resume at once where they stand, on this node when it
    /// starts again or on another now; a step still running is not saved
    /// (its lease is gone) and runs again there, as the protocol allows.
    pub async fn shut_down(&self) {
        self.rotation.stopping.store(true, std::sync::atomic::Ordering::Release);
        self.wake_rotations();
        match self.service.store().release_rotations_of(&self.rotation.owner).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "released the leases of running rotations; they resume on restart"),
            Err(e) => tracing::error!(error = %e, "cannot release this node's rotation leases"),
        }
    }

    /// Wakes the engine (a job was recorded or became due).
    pub fn wake_rotations(&self) {
        self.rotation.wake.notify_one();
    }

    /// Starts every due job nobody holds (each task claims its job, so
    /// that the claims of many commit together); returns how long to wait
    /// for the next one.
    async fn start_due_jobs(&self) -> Result<Duration, StoreError> {
        let now = self.service.now();
        let mut wait = POLL.min(self.rotation.settings.lease() / 2);
        for job in self.service.store().claimable_rotations(now).await? {
            if job.not_before > now {
                wait = wait.min(Duration::from_millis((job.not_before.millis() - now.millis()) as u64));
                continue;
            }
            // One task per job on this node (the lease keeps other nodes off).
            if !self.rotation.started.lock().expect("started jobs lock").insert(job.id.clone()) {
                continue;
            }
            let engine = self.clone();
            tokio::spawn(async move {
                let id = job.id.clone();
                let permit = engine.rotation.permits.acquire().await;
                match engine.claim(&job).await {
                    Ok(Some(claimed)) => engine.run_claimed(claimed).await,
                    Ok(None) => {}
                    Err(e) => tracing::error!(job = %id, error = %e, "cannot claim a rotation job"),
                }
                drop(permit);
                engine.rotation.started.lock().expect("started jobs lock").remove(&id);
                // A retry may be due sooner than the engine's current wait.
                engine.wake_rotations();
            });
        }
        Ok(wait)
    }

    /// Runs every due active job nobody holds now, concurrently, to its
    /// end or its next backoff, and waits for them: for simulations in
    /// manual time (the server runs [`run_rotations`](Self::run_rotations)).
    /// Returns how many ran.
    pub async fn run_due_jobs(&self) -> Result<usize, StoreError> {
        let now = self.service.now();
        let mut running = tokio::task::JoinSet::new();
        for job in self.service.store().claimable_rotations(now).await?.into_iter().filter(|j| j.not_before <= now) {
            let engine = self.clone();
            running.spawn(async move {
                let Some(claimed) = engine.claim(&job).await? else { return Ok(false) };
                if let Err(e) = engine.drive(claimed).await {
                    let _ = engine.service.store().release_rotation(&job.id, &engine.rotation.owner).await;
                    return Err(e);
                }
                Ok(true)
            });
        }
        let mut ran = 0;
        while let Some(done) = running.join_next().await {
            ran += usize::from(done.map_err(|e| StoreError::Database(format!("rotation task: {e}")))??);
        }
        Ok(ran)
    }

    /// Takes `job`'s lease for this node, long enough for its next step:
    /// the job as stored and when the lease ends, or `None` when another
    /// runner holds it.
    async fn claim(&self, job: &RotationJob) -> Result<Option<(RotationJob, Timestamp)>, StoreError> {
        if self.rotation.stopping() {
            return Ok(None);
        }
        let now = self.service.now();
        let until = self.lease_from(now);
        let store = self.service.store();
        let Some(claimed) = store.claim_rotation(&job.id, &self.rotation.owner, now, until).await? else {
            return Ok(None);
        };
        // A shutdown that began while the claim was on its way may have
        // released this node's leases before it committed: given up again,
        // or the job would wait out the lease on any other node.
        if self.rotation.stopping() {
            store.release_rotation(&job.id, &self.rotation.owner).await?;
            return Ok(None);
        }
        Ok(Some((claimed, until)))
    }

    /// When a lease taken or renewed at `now` ends.
    fn lease_from(&self, now: Timestamp) -> Timestamp {
        Timestamp::from_millis(now.millis() + self.rotation.settings.lease().as_millis() as i64)
    }

    /// Drives a claimed job. A job that stays active gives its lease up
    /// where it stops (a failed attempt, in `fail_attempt`; here, a store
    /// failure), so that it is claimed again when due, by any runner.
    async fn run_claimed(&self, claimed: (RotationJob, Timestamp)) {
        let id = claimed.0.id.clone();
        if let Err(e) = self.drive(claimed).await {
            tracing::error!(job = %id, error = %e, "rotation job interrupted; it resumes on the next pass");
            if let Err(e) = self.service.store().release_rotation(&id, &self.rotation.owner).await {
                tracing::warn!(job = %id, error = %e, "cannot release a rotation lease; it resumes once it expires");
            }
        }
    }

    /// Runs the current attempt of `job` from its next step to its end.
    async fn drive(&self, (mut job, mut held_until): (RotationJob, Timestamp)) -> Result<(), StoreError> {
        // The steps act as the job's role, never as rekey itself.
        let ctx = self.job_context(&job);
        // A step its runner started but never finished: that runner stopped.
        let mut interrupted = job.running.take();
        // Whether the job as saved already says its next step runs.
        let mut marked = false;
        loop {
            if !self.service.store().rotation(&job.id).await?.is_some_and(|j| j.status == JobStatus::Active) {
                return Ok(());
            }
            let state = self.service.store().load(&job.arn.namespace, &job.arn.name).await?;
            let Some(state) = state.filter(|s| s.secret.arn == job.arn) else {
                return self.end(job, JobStatus::Failed, Some("the secret no longer exists".into())).await;
            };
            if state.secret.deleted.is_some() {
                return self.end(job, JobStatus::Failed, Some("the secret is scheduled for deletion".into())).await;
            }
            match lifecycle::standing(&state, &job) {
                Standing::Done => return self.complete(job).await,
                Standing::Gone => {
                    let why = "AWSPENDING was removed from the pending version before the rotation finished";
                    return self.end(job, JobStatus::Abandoned, Some(why.into())).await;
                }
                Standing::Pending => {}
            }
            let Some(step) = job.next_step else {
                return match job.mode {
                    RotationMode::Test => self.finish_test(job, None).await,
                    RotationMode::Rotate => {
                        let why = "finishSecret returned but AWSCURRENT is not on the pending version";
                        self.fail_attempt(job, why.into()).await
                    }
                };
            };
            match interrupted.take() {
                // The step runs again in the attempt it belonged to; the
                // history says it was cut short.
                Some(cut) if cut.step == step => {
                    tracing::info!(secret = %job.arn, step = %step, "a rotation step was interrupted; it runs again");
                    job.attempts = cut.attempt;
                    job.steps.push(StepRecord {
                        attempt: cut.attempt,
                        step,
                        started: cut.started,
                        millis: 0,
                        error: Some(INTERRUPTED.into()),
                        output: None,
                        interrupted: true,
                    });
                }
                _ if step == job.first_step() => job.attempts += 1,
                _ => {}
            }
            // The lease is renewed before a step when a third of it is
            // gone (and during the step, see `invoke_leased`); a runner
            // that lost it stops here.
            let now = self.service.now();
            let lease = self.rotation.settings.lease().as_millis() as i64;
            if held_until.millis() - now.millis() < lease * 2 / 3 {
                let until = self.lease_from(now);
                if !self.service.store().renew_rotation(&job.id, &self.rotation.owner, until).await? {
                    return Ok(());
                }
                held_until = until;
            }
            let started = self.service.now();
            // Saved before the step runs, so that a resumed job knows (by
            // the save after the step before, when there was one).
            if !std::mem::take(&mut marked) {
                job.running = Some(RunningStep { step, attempt: job.attempts, started });
                let saved = self.service.store().save_rotation(job.clone(), &self.rotation.owner).await?;
                job.running = None;
                if !saved {
                    return Ok(());
                }
            }
            let clock = Instant::now();
            let log = FunctionLog::default();
            let Some(outcome) = self.invoke_leased(&ctx, &job, step, &log, &mut held_until).await else {
                // Another runner has the job now (this one could not renew
                // its lease in time): it runs the step again.
                tracing::warn!(secret = %job.arn, step = %step, "lost a rotation's lease during a step; another runner resumes it");
                return Ok(());
            };
            self.service.metrics().step(step.as_str(), clock.elapsed());
            self.keep_log(&job, step, started, &log).await;
            let mut record = StepRecord {
                attempt: job.attempts,
                step,
                started,
                millis: clock.elapsed().as_millis() as u64,
                error: outcome.as_ref().err().map(|e| e.to_string()),
                output: None,
                interrupted: false,
            };
            // What the function said is sealed, never logged.
            if let Some(output) = outcome.as_ref().err().and_then(FunctionError::output) {
                let sealed = self.service.seal().seal_output(&record.output_context(&job.id), output);
                record.output = Some(SealedOutput(sealed));
            }
            job.steps.push(record);
            job.updated = self.service.now();
            if let Err(e) = outcome {
                tracing::warn!(secret = %job.arn, step = %step, error = %e, "rotation step failed");
                let why = format!("Error when executing lambda {} during {step} step: {e}", job.function_arn);
                return self.fail_attempt(job, why).await;
            }
            tracing::debug!(secret = %job.arn, step = %step, "rotation step done");
            job.next_step = job.step_after(step);
            // One write between two steps: this step's record, and the next
            // step marked as running (should this runner stop before it
            // starts, the next one records it cut short: a few reads' time).
            job.running = job.next_step.map(|next| RunningStep {
                step: next,
                attempt: job.attempts,
                started: self.service.now(),
            });
            let saved = self.service.store().save_rotation(job.clone(), &self.rotation.owner).await?;
            marked = job.running.take().is_some();
            if !saved {
                // The job ended while its step ran.
                return self.clear_late_pending(&job).await;
            }
        }
    }

    /// A manual value change abandons a rotation and takes AWSPENDING off
    /// its version (docs/behaviour.md §4.4); when that happens while a step runs, the step
    /// may still write its value as AWSPENDING afterwards (createSecret
    /// finds no pending value and puts one). That label is left over from
    /// an abandoned rotation, not a rotation in progress: it goes too.
    async fn clear_late_pending(&self, job: &RotationJob) -> Result<(), StoreError> {
        if !self.service.store().rotation(&job.id).await?.is_some_and(|j| j.status == JobStatus::Abandoned) {
            return Ok(());
        }
        let token = job.token.clone();
        let cleared = self
            .service
            .mutate_secret(None, &job.arn, None, move |mut state, _| {
                match lifecycle::clear_late_pending(&mut state, &token) {
                    true => Ok((Change::write(SecretWrite::of(&state)), true)),
                    false => Ok((Change::None, false)),
                }
            })
            .await;
        match cleared {
            Ok(true) => {
                tracing::info!(secret = %job.arn, "AWSPENDING written after the rotation was abandoned, removed")
            }
            Ok(false) => {}
            Err(e) => tracing::warn!(secret = %job.arn, error = %e.message, "could not remove a late AWSPENDING"),
        }
        Ok(())
    }

    /// Invokes one step, renewing the job's lease every third of its
    /// length while the step runs: `None` when the lease was lost (the
    /// step is dropped).
    async fn invoke_leased(
        &self,
        ctx: &RequestContext,
        job: &RotationJob,
        step: rekey_model::rotation::RotationStep,
        log: &FunctionLog,
        held_until: &mut Timestamp,
    ) -> Option<Result<(), FunctionError>> {
        let invoke = self.invoke(ctx, job, step, log);
        tokio::pin!(invoke);
        let beat = self.rotation.settings.lease() / 3;
        loop {
            tokio::select! {
                outcome = &mut invoke => return Some(outcome),
                _ = tokio::time::sleep(beat) => {
                    let until = self.lease_from(self.service.now());
                    match self.service.store().renew_rotation(&job.id, &self.rotation.owner, until).await {
                        Ok(true) => *held_until = until,
                        Ok(false) => return None,
                        // Tried again at the next beat; if the lease ends
                        // meanwhile, the renewal says so.
                        Err(e) => tracing::warn!(secret = %job.arn, error = %e, "cannot renew a rotation's lease"),
                    }
                }
            }
        }
    }

    /// Invokes one step of the job's function.
    async fn invoke(
        &self,
        ctx: &RequestContext,
        job: &RotationJob,
        step: rekey_model::rotation::RotationStep,
        log: &FunctionLog,
    ) -> Result<(), FunctionError> {
        let Some(function) = self.rotation.functions.get(&job.function_arn, &job.arn.namespace.account) else {
            return Err(FunctionError::Unreachable(format!("no rotation function {} is configured", job.function_arn)));
        };
        match function.as_ref() {
            Function::Password(p) => self.builtin_password_step(p, ctx, job, step).await,
            Function::Database(d) => self.builtin_database_step(d, ctx, job, step).await,
            Function::External(f) => {
                let inv = Invocation {
                    secret_id: job.arn.to_string(),
                    token: job.token.clone(),
                    step,
                    rotation_token: job.rotation_token.clone(),
                    function_arn: job.function_arn.clone(),
                };
                let callback = self.rotation.callback.get().cloned().unwrap_or_default();
                let caller = self.step_caller(job, callback.authenticated, f.timeout()).await.map_err(|e| {
                    FunctionError::Unreachable(format!("no credentials for the function: {}", e.message))
                })?;
                let outcome = f.invoke(&inv, &callback, &caller, log).await;
                self.step_over(&caller).await;
                outcome
            }
        }
    }

    /// Seals what the function printed during a step into the store as
    /// that step's function log (nothing when it printed nothing).
    async fn keep_log(&self, job: &RotationJob, step: RotationStep, started: Timestamp, log: &FunctionLog) {
        if log.is_empty() {
            return;
        }
        let json = zeroize::Zeroizing::new(serde_json::to_string(&log.take()).unwrap_or_default());
        let context = StepLog::seal_context(&job.id, job.attempts, step, started);
        let record = FunctionLogRecord {
            job: job.id.clone(),
            secret_arn: job.arn.to_string(),
            attempt: job.attempts,
            step,
            function_arn: job.function_arn.clone(),
            started,
            sealed: SealedOutput(self.service.seal().seal_output(&context, &json)),
        };
        if let Err(e) = self.service.store().append_function_log(record).await {
            tracing::warn!(secret = %job.arn, step = %step, error = %e, "could not keep the function's log");
        }
    }

    /// An attempt failed: retry after a backoff, or give up.
    async fn fail_attempt(&self, mut job: RotationJob, why: String) -> Result<(), StoreError> {
        if job.mode == RotationMode::Test {
            return self.finish_test(job, Some(why)).await;
        }
        let settings = &self.rotation.settings;
        let backoff = settings.backoff(job.attempts);
        if lifecycle::after_failure(&mut job, why, settings.max_attempts, backoff, self.service.now()) == Retry::GiveUp
        {
            let why = job.last_error.as_deref().unwrap_or_default();
            tracing::warn!(secret = %job.arn, attempts = job.attempts, error = %why, "rotation failed");
            self.service.metrics().rotation(self.kind_of(&job), "failed");
        }
        let saved = self.service.store().save_rotation(job.clone(), &self.rotation.owner).await?;
        if saved {
            let mut failed = AuditEvent::service(events::ROTATION_FAILED, &job.arn, self.service.now());
            failed.error_message = job.last_error.clone();
            self.record(failed).await;
        }
        match (saved, job.status) {
            // Retried after its backoff, by whichever runner claims it then.
            (true, JobStatus::Active) => self.service.store().release_rotation(&job.id, &self.rotation.owner).await,
            // The job ended while its step ran (the step may have written
            // its value before failing).
            (false, JobStatus::Active) => self.clear_late_pending(&job).await,
            _ => Ok(()),
        }
    }

    /// Ends a job with `status` (if it is still active).
    async fn end(&self, mut job: RotationJob, status: JobStatus, why: Option<String>) -> Result<(), StoreError> {
        job.status = status;
        if why.is_some() {
            job.last_error = why;
        }
        job.updated = self.service.now();
        let (event, outcome) = match status {
            JobStatus::Abandoned => (events::ROTATION_ABANDONED, "abandoned"),
            _ => (events::ROTATION_FAILED, "failed"),
        };
        self.service.metrics().rotation(self.kind_of(&job), outcome);
        let mut ended = AuditEvent::service(event, &job.arn, job.updated);
        ended.error_message = job.last_error.clone();
        if self.service.store().save_rotation(job, &self.rotation.owner).await? {
            self.record(ended).await;
        }
        Ok(())
    }

    /// The executor kind of `job`'s function, for the metrics.
    fn kind_of(&self, job: &RotationJob) -> &'static str {
        match self.rotation.functions.get(&job.function_arn, &job.arn.namespace.account).as_deref() {
            Some(Function::External(_)) => "external",
            Some(Function::Password(_)) => "builtin:password",
            Some(Function::Database(_)) => "builtin:database",
            None => "unconfigured",
        }
    }

    /// Appends a service event that goes with no change of the secret
    /// (the job's own record is already saved).
    async fn record(&self, event: AuditEvent) {
        if let Err(e) = self.service.store().append_audit(vec![event]).await {
            tracing::error!(error = %e, "a rotation's audit record could not be stored");
        }
    }

    /// AWSCURRENT is on the pending version: record the rotation, take
    /// AWSPENDING off the new current version, end the job.
    async fn complete(&self, mut job: RotationJob) -> Result<(), StoreError> {
        let now = self.service.now();
        let arn = job.arn.clone();
        let kind = self.kind_of(&job);
        let done = self
            .service
            .mutate_secret(None, &arn, None, move |mut state, _| {
                let succeeded = lifecycle::complete(&mut state, &mut job, now);
                let mut write = SecretWrite::of(&state);
                if succeeded {
                    write.audit.push(AuditEvent::service(events::ROTATION_SUCCEEDED, &state.secret.arn, now));
                }
                write.rotation = Some(job);
                Ok((Change::write(write), succeeded))
            })
            .await;
        if matches!(done, Ok(true)) {
            self.service.metrics().rotation(kind, "succeeded");
        }
        log_outcome(&arn, done, "rotation succeeded");
        Ok(())
    }

    /// Ends a configuration test: the temporary version goes, the job
    /// records whether testSecret passed.
    async fn finish_test(&self, mut job: RotationJob, failure: Option<String>) -> Result<(), StoreError> {
        let now = self.service.now();
        let arn = job.arn.clone();
        let outcome = if failure.is_none() { "tested" } else { "test_failed" };
        self.service.metrics().rotation(self.kind_of(&job), outcome);
        let done = self
            .service
            .mutate_secret(None, &arn, None, move |mut state, _| {
                let event = match &failure {
                    None => AuditEvent::service(events::TEST_ROTATION_SUCCEEDED, &state.secret.arn, now),
                    Some(why) => {
                        let mut e = AuditEvent::service(events::TEST_ROTATION_FAILED, &state.secret.arn, now);
                        e.error_message = Some(why.clone());
                        e
                    }
                };
                let doomed = lifecycle::end_test(&mut state, &mut job, failure, now);
                let mut write = SecretWrite::of(&state);
                write.audit.push(event);
                write.delete_versions.extend(doomed);
                write.rotation = Some(job);
                Ok((Change::write(write), true))
            })
            .await;
        log_outcome(&arn, done, "rotation configuration tested");
        Ok(())
    }
}

fn log_outcome(arn: &rekey_model::name::Arn, done: ApiResult<bool>, what: &str) {
    match done {
        Ok(true) => tracing::info!(secret = %arn, "{what}"),
        Ok(false) => tracing::warn!(secret = %arn, "AWSCURRENT moved away before the rotation could be recorded"),
        Err(e) => tracing::warn!(secret = %arn, error = %e.message, "could not record the end of a rotation"),
    }
}
