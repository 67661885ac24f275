import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Admin } from '../auth/auth.decorators.js';
import { ApiErrors, DATABASE_ERRORS } from '../common/api-errors.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('admin')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Admin()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics (scrape with an admin bearer token)' })
  @ApiOkResponse({ description: 'Prometheus text exposition format', schema: { type: 'string' } })
  @ApiErrors(...DATABASE_ERRORS)
  async scrape(): Promise<string> {
    return (await this.metrics.render()).body;
  }
}
