import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { RetentionService } from '../jobs/retention.service.js';
import { InstanceHeartbeatRepository } from './instance-heartbeat.repository.js';

/** Every instance beats this often... */
export const HEARTBEAT_MS = 1_000;
/** ...and counts as dead once it has not beaten for this long (several missed beats: a busy pool or a slow statement is not a death). */
export const DEAD_AFTER_MS = 5_000;
/** Rows of instances silent this long are deleted. */
const RETENTION_MS = 24 * 3_600_000;
/** How long an answer "alive" (or "never registered") is trusted before asking again. "Dead" is final: ids are never reused. */
const ALIVE_CACHE_MS = 500;

/**
 * This process as one instance of the service: a random id registered in instance_heartbeats and
 * beaten every HEARTBEAT_MS. Leases taken by this process name it (`<instance id>:<random>`), so
 * another instance can tell that a lease's holder died and take the lease at once.
 */
@Injectable()
export class InstancesService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Instances');
  /** Unique per start (several apps in one process, as in tests, are several instances). */
  readonly id = randomBytes(8).toString('hex');
  private readonly process = `${hostname().slice(0, 200)}:${process.pid}`;
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private failingSince?: number;
  private readonly known = new Map<string, { dead: boolean; until: number }>();

  constructor(
    private readonly heartbeats: InstanceHeartbeatRepository,
    private readonly retention: RetentionService,
  ) {}

  /** A lease owner naming this instance. */
  newOwner(): string {
    return `${this.id}:${randomBytes(6).toString('hex')}`;
  }

  /**
   * Whether the lease owner `owner` belongs to an instance that stopped beating DEAD_AFTER_MS ago.
   * An owner without a heartbeat row (taken by a release without heartbeats) is not known dead: its
   * lease runs out as before.
   */
  async holderIsDead(owner: string): Promise<boolean> {
    const instanceId = owner.split(':', 1)[0]!;
    if (instanceId === this.id) return false;
    const cached = this.known.get(instanceId);
    if (cached && (cached.dead || cached.until > Date.now())) return cached.dead;
    const dead = (await this.heartbeats.isStale(instanceId, DEAD_AFTER_MS)) === true;
    if (this.known.size > 1000) this.known.clear(); // bounded: a few instances die per deploy
    this.known.set(instanceId, { dead, until: Date.now() + ALIVE_CACHE_MS });
    return dead;
  }

  onModuleInit(): void {
    this.retention.register({ table: 'instance_heartbeats', deleteBatch: (limit) => this.heartbeats.deleteSilentFor(RETENTION_MS, limit) });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.beat();
    await this.beating;
    this.timer = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
  }

  /** One beat at a time; a failed one is logged once per streak (the database may be away). */
  private beat(): void {
    if (this.beating) return;
    this.beating = this.heartbeats
      .beat(this.id, this.process)
      .then(() => {
        if (this.failingSince !== undefined) this.logger.log(`Heartbeat written again after ${Date.now() - this.failingSince} ms`);
        this.failingSince = undefined;
      })
      .catch((error: Error) => {
        if (this.failingSince === undefined) this.logger.warn(`Heartbeat failed (other instances will take this one's refresh leases): ${error.message}`);
        this.failingSince ??= Date.now();
      })
      .finally(() => (this.beating = undefined));
  }
}
