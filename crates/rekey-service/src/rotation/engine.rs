//! The rotation engine. RotateSecret records an active job in the same
//! transaction as the pending version; the engine finds active jobs in the
//! store (so a restart resumes them), runs each through its steps, saving
//! its progress after every step, and ends it: succeeded once AWSCURRENT is
//! on the pending version, failed after the last attempt, abandoned when
//! AWSPENDING was taken away, cancelled by CancelRotateSecret.

use super::functions::{Function, FunctionError, Invocation};
use super::scheduler::replan;
use crate::Service;
use crate::context::RequestContext;
use rekey_model::ApiResult;
use rekey_model::rotation::{JobStatus, RotationJob, RotationMode, SealedOutput, StepRecord};
use rekey_model::secret::SecretState;
use rekey_model::staging::StagingLabel;
use rekey_store::{Change, SecretWrite, Store, StoreError};
use std::time::{Duration, Instant};

/// How often active jobs are looked for without being woken.
const POLL: Duration = Duration::from_secs(5);

/// What the secret's labels say about a job.
enum Standing {
    /// AWSPENDING is on the job's version: carry on.
    Pending,
    /// AWSCURRENT is on the job's version: the rotation is done.
    Done,
    /// Neither: someone took the rotation away.
    Gone,
}

fn standing(state: &SecretState, job: &RotationJob) -> Standing {
    if job.mode == RotationMode::Rotate && state.labels.holder(StagingLabel::CURRENT) == Some(&job.token) {
        Standing::Done
    } else if state.labels.holder(StagingLabel::PENDING) == Some(&job.token) {
        Standing::Pending
    } else {
        Standing::Gone
    }
}

impl<S: Store> Service<S> {
    /// Runs the rotation engine until the service is dropped: resumes the
    /// active jobs, then starts new ones as RotateSecret records them and
    /// retries failed attempts when their backoff ends.
    pub async fn run_rotations(self) {
        loop {
            let notified = self.rotation.wake.notified();
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

    /// Wakes the engine (a job was recorded or became due).
    pub fn wake_rotations(&self) {
        self.rotation.wake.notify_one();
    }

    /// Starts every due job not already running; returns how long to wait
    /// for the next one.
    async fn start_due_jobs(&self) -> Result<Duration, StoreError> {
        let now = self.clock.now();
        let mut wait = POLL;
        for job in self.store.active_rotations().await? {
            if job.not_before > now {
                wait = wait.min(Duration::from_millis((job.not_before.millis() - now.millis()) as u64));
                continue;
            }
            if !self.rotation.running.lock().expect("running jobs lock").insert(job.id.clone()) {
                continue;
            }
            let service = self.clone();
            tokio::spawn(async move {
                let id = job.id.clone();
                let _permit = service.rotation.permits.acquire().await;
                if let Err(e) = service.drive(job).await {
                    tracing::error!(job = %id, error = %e, "rotation job interrupted; it resumes on the next pass");
                }
                service.rotation.running.lock().expect("running jobs lock").remove(&id);
                // A retry may be due sooner than the engine's current wait.
                service.wake_rotations();
            });
        }
        Ok(wait)
    }

    /// Runs every due active job now, concurrently, to its end or its next
    /// backoff, and waits for them: for simulations in manual time (the
    /// server runs [`run_rotations`](Self::run_rotations)). Returns how
    /// many ran.
    pub async fn run_due_jobs(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let jobs: Vec<RotationJob> =
            self.store.active_rotations().await?.into_iter().filter(|j| j.not_before <= now).collect();
        let n = jobs.len();
        let mut running = tokio::task::JoinSet::new();
        for job in jobs {
            let service = self.clone();
            running.spawn(async move { service.drive(job).await });
        }
        while let Some(done) = running.join_next().await {
            done.map_err(|e| StoreError::Database(format!("rotation task: {e}")))??;
        }
        Ok(n)
    }

    /// Runs the current attempt of `job` from its next step to its end.
    async fn drive(&self, mut job: RotationJob) -> Result<(), StoreError> {
        // The steps act as the job's role, never as rekey itself.
        let ctx = self.job_context(&job);
        loop {
            if !self.store.rotation(&job.id).await?.is_some_and(|j| j.status == JobStatus::Active) {
                return Ok(());
            }
            let state = self.store.load(&job.arn.namespace, &job.arn.name).await?;
            let Some(state) = state.filter(|s| s.secret.arn == job.arn) else {
                return self.end(job, JobStatus::Failed, Some("the secret no longer exists".into())).await;
            };
            if state.secret.deleted.is_some() {
                return self.end(job, JobStatus::Failed, Some("the secret is scheduled for deletion".into())).await;
            }
            match standing(&state, &job) {
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
            if step == job.first_step() {
                job.attempts += 1;
            }
            let started = self.clock.now();
            let clock = Instant::now();
            let outcome = self.invoke(&ctx, &job, step).await;
            let mut record = StepRecord {
                attempt: job.attempts,
                step,
                started,
                millis: clock.elapsed().as_millis() as u64,
                error: outcome.as_ref().err().map(|e| e.to_string()),
                output: None,
            };
            // What the function said is sealed, never logged.
            if let Some(output) = outcome.as_ref().err().and_then(FunctionError::output) {
                let sealed = self.seal.seal_output(&record.output_context(&job.id), output);
                record.output = Some(SealedOutput(sealed));
            }
            job.steps.push(record);
            job.updated = self.clock.now();
            if let Err(e) = outcome {
                tracing::warn!(secret = %job.arn, step = %step, error = %e, "rotation step failed");
                let why = format!("Error when executing lambda {} during {step} step: {e}", job.function_arn);
                return self.fail_attempt(job, why).await;
            }
            tracing::debug!(secret = %job.arn, step = %step, "rotation step done");
            job.next_step = job.step_after(step);
            if !self.store.save_rotation(job.clone()).await? {
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
        if !self.store.rotation(&job.id).await?.is_some_and(|j| j.status == JobStatus::Abandoned) {
            return Ok(());
        }
        let token = job.token.clone();
        let cleared = self
            .mutate_secret(&job.arn, None, move |mut state, _| {
                let pending_here = state.labels.holder(StagingLabel::PENDING) == Some(&token);
                if !pending_here || state.labels.holder(StagingLabel::CURRENT) == Some(&token) {
                    return Ok((Change::None, false));
                }
                state.labels.detach(StagingLabel::PENDING);
                Ok((Change::write(SecretWrite::of(&state)), true))
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

    /// Invokes one step of the job's function.
    async fn invoke(
        &self,
        ctx: &RequestContext,
        job: &RotationJob,
        step: rekey_model::rotation::RotationStep,
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
                let outcome = f.invoke(&inv, &callback, &caller).await;
                self.step_over(&caller).await;
                outcome
            }
        }
    }

    /// An attempt failed: retry after a backoff, or give up.
    async fn fail_attempt(&self, mut job: RotationJob, why: String) -> Result<(), StoreError> {
        if job.mode == RotationMode::Test {
            return self.finish_test(job, Some(why)).await;
        }
        if job.attempts >= self.rotation.settings.max_attempts {
            tracing::warn!(secret = %job.arn, attempts = job.attempts, error = %why, "rotation failed");
            return self.end(job, JobStatus::Failed, Some(why)).await;
        }
        let now = self.clock.now();
        let delay = self.rotation.settings.backoff(job.attempts);
        job.not_before = rekey_model::Timestamp::from_millis(now.millis() + delay.as_millis() as i64);
        job.next_step = Some(job.first_step());
        job.last_error = Some(why);
        job.updated = now;
        if !self.store.save_rotation(job.clone()).await? {
            // The job ended while its step ran (the step may have written
            // its value before failing).
            return self.clear_late_pending(&job).await;
        }
        Ok(())
    }

    /// Ends a job with `status` (if it is still active).
    async fn end(&self, mut job: RotationJob, status: JobStatus, why: Option<String>) -> Result<(), StoreError> {
        job.status = status;
        if why.is_some() {
            job.last_error = why;
        }
        job.updated = self.clock.now();
        self.store.save_rotation(job).await.map(|_| ())
    }

    /// AWSCURRENT is on the pending version: record the rotation, take
    /// AWSPENDING off the new current version, end the job.
    async fn complete(&self, mut job: RotationJob) -> Result<(), StoreError> {
        let now = self.clock.now();
        job.status = JobStatus::Succeeded;
        job.next_step = None;
        job.updated = now;
        let token = job.token.clone();
        let arn = job.arn.clone();
        let done = self
            .mutate_secret(&arn, None, move |mut state, _| {
                if state.labels.holder(StagingLabel::CURRENT) != Some(&token) {
                    let mut write = SecretWrite::of(&state);
                    job.status = JobStatus::Abandoned;
                    write.rotation = Some(job);
                    return Ok((Change::write(write), false));
                }
                if state.labels.holder(StagingLabel::PENDING) == Some(&token) {
                    state.labels.detach(StagingLabel::PENDING);
                }
                state.secret.meta.rotation.last_rotated = Some(now);
                replan(&mut state.secret, now, Some(now), now);
                state.secret.last_changed = now;
                let mut write = SecretWrite::of(&state);
                write.rotation = Some(job);
                Ok((Change::write(write), true))
            })
            .await;
        log_outcome(&arn, done, "rotation succeeded");
        Ok(())
    }

    /// Ends a configuration test: the temporary version goes, the job
    /// records whether testSecret passed.
    async fn finish_test(&self, mut job: RotationJob, failure: Option<String>) -> Result<(), StoreError> {
        let now = self.clock.now();
        job.status = if failure.is_some() { JobStatus::Failed } else { JobStatus::Succeeded };
        job.last_error = failure.or(job.last_error);
        job.next_step = None;
        job.updated = now;
        let token = job.token.clone();
        let arn = job.arn.clone();
        let done = self
            .mutate_secret(&arn, None, move |mut state, _| {
                let mut write = SecretWrite::of(&state);
                if state.version(&token).is_some() && state.labels.holder(StagingLabel::CURRENT) != Some(&token) {
                    for label in state.labels.on(&token) {
                        state.labels.detach(label.as_str());
                    }
                    write.labels = state.labels.clone();
                    write.delete_versions.push(token);
                }
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
