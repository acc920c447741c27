import { Module } from '@nestjs/common';
import { CLOCK, systemClock } from './clock';
import { AuthEventsRepository } from './events.repository';

/** What every feature of auth uses: the clock and the outbox. */
@Module({
  providers: [AuthEventsRepository, { provide: CLOCK, useValue: systemClock }],
  exports: [AuthEventsRepository, CLOCK],
})
export class CommonModule {}
