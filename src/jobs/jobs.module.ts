import { Global, Module } from '@nestjs/common';
import { BackgroundJobRepository } from './background-job.repository.js';
import { BackgroundJobsService } from './background-jobs.service.js';
import { RetentionService } from './retention.service.js';

/** Background jobs run on one instance at a time (background_jobs), and the retention of growing tables. Global: every owner registers its rule. */
@Global()
@Module({ providers: [BackgroundJobRepository, BackgroundJobsService, RetentionService], exports: [BackgroundJobsService, RetentionService] })
export class JobsModule {}
