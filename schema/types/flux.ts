/** What a completed task found: per-gas emission rates, the grid and the warnings (the science's own summary). */
import { builder } from '../builder.js';
import type { FluxSummary } from '../../src/domain/task.js';

export const PhysicsMode = builder.enumType('PhysicsMode', {
  description: '`corrected`: the physically right flux (default); `gasflux_0_2_2`: the reference package\'s numbers, bugs included.',
  values: { corrected: { value: 'corrected' }, gasflux_0_2_2: { value: 'gasflux-0.2.2' } } as const,
});

export const SpatialStrategy = builder.enumType('SpatialStrategy', { values: ['curtain', 'spiral'] as const });

const GasFlux = builder.objectRef<FluxSummary['gases'][number]>('GasFlux').implement({
  description: 'One gas: the emission rate through the flux plane and its positive and negative parts.',
  fields: (t) => ({
    gas: t.exposeString('gas', { description: 'The gas column, e.g. `ch4`.' }),
    detected: t.exposeBoolean('detected', {
      description:
        'False when the enhancement does not stand out of the sensor noise (a PLUME_NOT_DETECTED warning gives the numbers): ' +
        'the rates are then null, and the integral of the noise is only in the output variables.',
    }),
    fluxKgPerHour: t.exposeFloat('fluxKgPerHour', { nullable: true, description: 'Emission rate, kg/h (krig_parameters.<gas>.volume); null when not detected.' }),
    positiveKgPerHour: t.exposeFloat('positiveKgPerHour', { nullable: true, description: 'Part through the plane downwind, kg/h (volumepos); null when not detected.' }),
    negativeKgPerHour: t.exposeFloat('negativeKgPerHour', { nullable: true, description: 'Part against the wind, kg/h (volumeneg); null when not detected.' }),
    signalPoints: t.exposeInt('signalPoints', { description: 'Samples above the background.' }),
    backgroundPoints: t.exposeInt('backgroundPoints'),
  }),
});

const FluxGrid = builder.objectRef<FluxSummary['grid']>('FluxGrid').implement({
  description: 'The kriging grid the flux was integrated on.',
  fields: (t) => ({
    nx: t.exposeInt('nx'),
    ny: t.exposeInt('ny'),
    xCellSizeM: t.exposeFloat('xCellSizeM', { description: 'Metres along the plane.' }),
    yCellSizeM: t.exposeFloat('yCellSizeM', { description: 'Metres in height.' }),
  }),
});

const FluxWarning = builder.objectRef<FluxSummary['warnings'][number]>('FluxWarning').implement({
  description: 'Something the run noticed about the data (the output variables list them too).',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    gas: t.exposeString('gas', { nullable: true }),
  }),
});

export const FluxResult = builder.objectRef<FluxSummary>('FluxResult').implement({
  description: 'The numbers of a completed run, without reading its files.',
  fields: (t) => ({
    physics: t.expose('physics', { type: PhysicsMode }),
    spatial: t.expose('spatial', { type: SpatialStrategy }),
    grid: t.expose('grid', { type: FluxGrid }),
    gases: t.expose('gases', { type: [GasFlux] }),
    warnings: t.expose('warnings', { type: [FluxWarning] }),
  }),
});
