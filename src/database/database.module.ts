import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/config.types.js';
import { CryptoModule } from '../crypto/crypto.module.js';
import { KeyRing } from '../crypto/key-ring.js';
import { dataSourceOptions, migrate } from './data-source.js';
import { DatabaseService } from './database.service.js';

@Global()
@Module({ providers: [DatabaseService], exports: [DatabaseService] })
class DatabaseCoreModule {}

@Module({
  imports: [
    DatabaseCoreModule,
    TypeOrmModule.forRootAsync({
      imports: [CryptoModule],
      // KeyRing is injected so the encrypted-column transformer is installed before any query.
      inject: [APP_CONFIG, DatabaseService, KeyRing],
      useFactory: async (config: AppConfig, db: DatabaseService) => ({
        ...dataSourceOptions(await db.url(), config.database),
        migrationsRun: config.database.migrationsRun,
      }),
      // Migrations run our way (under an advisory lock), not TypeORM's.
      dataSourceFactory: async (options) => {
        const dataSource = new DataSource({ ...options!, migrationsRun: false });
        await dataSource.initialize();
        if (options!.migrationsRun) {
          const applied = await migrate(dataSource);
          new Logger('Database').log(applied.length ? `Applied migrations: ${applied.join(', ')}` : 'Database schema is up to date');
        }
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
