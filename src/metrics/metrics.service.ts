import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ProviderBreakerService } from '../breaker/provider-breaker.service.js';
import type { BreakerState } from '../breaker/breaker.types.js';
import { ConnectionStoreService } from '../connections/connection-store.service.js';
import { WebhookOutboxService } from '../webhooks/webhook-outbox.service.js';

/**
 * Prometheus metrics. Counters and histograms are updated on the hot paths; gauges that need the
 * database (connections by status, backlog, outbox depth) are computed at scrape time.
 */
@Injectable()
export class MetricsService {
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

  constructor(connections: ConnectionStoreService, outbox: WebhookOutboxService, breakers: ProviderBreakerService) {
    collectDefaultMetrics({ register: this.registry, prefix: 'oc_' });
    new Gauge({
      name: 'oc_connections',
      help: 'Connections by platform and status',
      labelNames: ['platform', 'status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const r of await connections.countByPlatformAndStatus()) this.set({ platform: r.platform, status: r.status }, r.n);
      },
    });
    new Gauge({
      name: 'oc_refresh_backlog',
      help: 'Connections due for refresh (active, not in backoff; see src/connections/refresh-due.ts)',
      registers: [this.registry],
      async collect() {
        this.set(await connections.countDue());
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
      help: 'Webhook events not yet delivered',
      registers: [this.registry],
      async collect() {
        this.set(await outbox.pendingCount());
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
