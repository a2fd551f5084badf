/**
 * Machine legends for result lines (`Unit X launched on 113f16a7.../10.0.0.1`),
 * with the machine list fetched once per command and again only when a unit
 * lands on a machine the cached list does not know yet.
 */
import type { FleetClient, FleetMachine } from '../client/types.js';
import { machineLegend } from '../output/fields.js';

/** Resolves machine ids to legends; one instance per command run. */
export class MachineLegends {
  private machines: Promise<FleetMachine[]> | undefined;
  private refetched = false;

  constructor(
    private readonly client: FleetClient,
    private readonly full = false,
  ) {}

  /** The legend of `machineId`, or undefined when the machine is not (or no longer) present. */
  async legend(machineId: string): Promise<string | undefined> {
    this.machines ??= this.client.listMachines();
    let found = (await this.machines).find((m) => m.id === machineId);
    if (found === undefined && !this.refetched) {
      this.refetched = true;
      this.machines = this.client.listMachines();
      found = (await this.machines).find((m) => m.id === machineId);
    }
    return found === undefined ? undefined : machineLegend(found.id, found.primaryIP, this.full);
  }

  /** `Unit X <state>` plus ` on <legend>` when the unit has a known machine. */
  async stateLine(name: string, state: string, machineId: string | undefined): Promise<string> {
    const legend = machineId === undefined ? undefined : await this.legend(machineId).catch(() => undefined);
    return legend === undefined ? `Unit ${name} ${state}` : `Unit ${name} ${state} on ${legend}`;
  }
}
