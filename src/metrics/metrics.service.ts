import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { CONNECTION_COUNTS, ConnectionCountsService } from '../connections/connection-counts.service.js';
import { BackgroundJobsService, type SharedSnapshot } from '../jobs/background-jobs.service.js';
import { ProviderBreakerService } from '../breaker/provider-breaker.service.js';
import type { BreakerState } from '../breaker/breaker.types.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';

/**
 * Prometheus metrics. Counters and histograms are updated on the hot paths. Gauges that need the
 * database (connections by status, backlog, outbox depth) are counted in the background by one
 * instance at a time at most every 30 s and stored (ConnectionCountsService, background_jobs): a
 * scrape reads the stored figures, so every instance reports the same ones at the same cost.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private readonly outboxPending: SharedSnapshot<number>;
  private stop?: () => Promise<void>;

  readonly registry = new Registry();

  readonly refreshes = new Counter({
    name: 'oc_refreshes_total',
    help: 'Token refreshes by platform, trigger and outcome (success or failure class)',
    labelNames: ['platform', 'trigger', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly refreshDuration = new Histogram({
    name: 'oc_refresh_duration_seconds',
    help: 'Time spent on a provider refresh call',
    labelNames: ['platform'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly internalTokens = new Counter({
    name: 'oc_internal_token_requests_total',
    help: 'internal-token requests by platform and outcome',
    labelNames: ['platform', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly schedulerRuns = new Histogram({
    name: 'oc_scheduler_run_duration_seconds',
    help: 'Duration of scheduled refresh runs',
    buckets: [0.1, 1, 5, 15, 30, 60, 120, 300, 600],
    registers: [this.registry],
  });

  readonly schedulerRefreshed = new Counter({
    name: 'oc_scheduler_refreshed_total',
    help: 'Connections refreshed by the scheduler, by result',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(counts: ConnectionCountsService, outbox: WebhookOutboxService, jobs: BackgroundJobsService, breakers: ProviderBreakerService) {
    collectDefaultMetrics({ register: this.registry, prefix: 'oc_' });
    const outboxPending = (this.outboxPending = jobs.snapshot('webhook-outbox-pending', CONNECTION_COUNTS, () => outbox.pendingCount()));
    new Gauge({
      name: 'oc_connections',
      help: 'Connections by platform and status (counted in the background at most every 30 s; see oc_connection_counts_timestamp_seconds)',
      labelNames: ['platform', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of (await counts.latest()).value) {
          this.set({ platform: r.platform, status: 'active' }, r.active);
          this.set({ platform: r.platform, status: 'needs_reauth' }, r.needs_reauth);
        }
      },
    });
    new Gauge({
      name: 'oc_refresh_backlog',
      help: 'Connections due for refresh (active, not in backoff; see src/connections/refresh-due.ts), counted with oc_connections',
      registers: [this.registry],
      async collect() {
        this.set((await counts.latest()).value.reduce((n, r) => n + r.due, 0));
      },
    });
    new Gauge({
      name: 'oc_connection_counts_timestamp_seconds',
      help: 'When oc_connections and oc_refresh_backlog were counted (Unix time)',
      registers: [this.registry],
      async collect() {
        this.set((await counts.latest()).computedAt.getTime() / 1000);
      },
    });
    const states: BreakerState[] = ['closed', 'open', 'half_open'];
    new Gauge({
      name: 'oc_provider_breaker_state',
      help: "Each provider's circuit breaker: 1 for its current state (closed, open, half_open: open with a probe in flight), 0 for the others",
      labelNames: ['platform', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const b of await breakers.states()) for (const state of states) this.set({ platform: b.platform, state }, b.state === state ? 1 : 0);
      },
    });
    new Gauge({
      name: 'oc_webhook_outbox_pending',
      help: 'Webhook events not yet delivered (counted in the background at most every 30 s)',
      registers: [this.registry],
      async collect() {
        this.set((await outboxPending.read()).value);
      },
    });
  }

  onApplicationBootstrap(): void {
    this.stop = this.outboxPending.start(this.logger);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }

  /** Recounts the outbox depth now (tests; the connection counts are ConnectionCountsService.refresh). */
  refreshGauges(): Promise<unknown> {
    return this.outboxPending.refresh({ force: true });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
