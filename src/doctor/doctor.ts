// `tailtop doctor`: runs every check once, in the order a user would fix things, and returns the results.
import { existsSync } from 'node:fs';
import {
  btfCheck,
  cgroupCheck,
  configCheck,
  containersCheck,
  helperCheck,
  kernelCheck,
  permissionCheck,
  programsCheck,
  terminalCheck,
  type DoctorOptions,
} from './checks.js';
import type { CheckResult } from './report.js';

export async function runDoctor(o: DoctorOptions & { isTty: boolean }): Promise<CheckResult[]> {
  const { check: config, cfg } = configCheck(o.configPath, o.env);
  const out: CheckResult[] = [{ id: 'config', title: 'config', ...config }];
  const add = (id: string, title: string, c: Omit<CheckResult, 'id' | 'title'>): void => void out.push({ id, title, ...c });
  add('kernel', 'kernel', kernelCheck());
  add('kernel.btf', 'BTF', btfCheck(existsSync));
  add('ebpf.permission', 'eBPF permission', permissionCheck(o.env));
  const helper = helperCheck(o.env);
  add('ebpf.helper', 'eBPF helper', helper);
  if (helper.status === 'fail')
    add('ebpf.programs', 'eBPF programs', { status: 'fail', summary: 'not tried: no helper to run (see the eBPF helper line)', fix: null, detail: { attached: {}, failed: {} } });
  else if (cfg?.ebpf === false)
    add('ebpf.programs', 'eBPF programs', { status: 'warn', summary: 'not tried: ebpf = false in the config', fix: 'set ebpf = true to get tail latency', detail: { attached: {}, failed: {} } });
  else add('ebpf.programs', 'eBPF programs', await programsCheck(o.env));
  add('cgroup', 'cgroups', await cgroupCheck());
  add('containers', 'containers', await containersCheck(o, cfg));
  add('terminal', 'terminal', terminalCheck(o.env, o.isTty));
  return out;
}
