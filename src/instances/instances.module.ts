import { Global, Module } from '@nestjs/common';
import { InstanceHeartbeatRepository } from './instance-heartbeat.repository.js';
import { InstancesService } from './instances.service.js';

/** This process's heartbeat (instance_heartbeats). Global: whoever takes a lease names its instance. */
@Global()
@Module({ providers: [InstanceHeartbeatRepository, InstancesService], exports: [InstancesService] })
export class InstancesModule {}
