import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { EmbeddedPostgres } from './embedded-postgres.js';

/** Owns the embedded database server (when used) and stops it after the pool on shutdown. */
@Injectable()
export class DatabaseService implements OnApplicationShutdown {
  private embedded?: EmbeddedPostgres;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  get kind(): 'postgres' | 'embedded' {
    return this.config.database.url ? 'postgres' : 'embedded';
  }

  async url(): Promise<string> {
    if (this.config.database.url) return this.config.database.url;
    this.embedded ??= await EmbeddedPostgres.start({
      dataDir: this.config.dataDir,
      maxConnections: this.config.database.poolSize + 5,
    });
    return this.embedded.url;
  }

  async onApplicationShutdown(): Promise<void> {
    // Shutdown hooks run in no guaranteed order across modules: close the pool before its server.
    const dataSource = this.moduleRef.get(DataSource, { strict: false });
    if (dataSource?.isInitialized) await dataSource.destroy();
    await this.embedded?.stop();
    this.embedded = undefined;
  }
}
