// `dropsweep cloud --help` lists each subcommand with the arguments its own usage line names
// (cli/commands/cloud.ts reads them from each subcommand's definition, not from a copy): the
// doctor's usage is changed here to take an optional argument, and the listing must follow it.
// (test/cloud/errors.test.ts compares the listing with each subcommand's own --help, unchanged.)
import { describe, expect, it, vi } from "vitest";
import { cli } from "../hardening/helpers.js";

vi.mock("../../cli/commands/cloud/doctor.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../cli/commands/cloud/doctor.js")>();
  return { ...original, definition: () => ({ ...original.definition(), usage: "[STACK] --stack NAME [--region R]" }) };
});

import { listedSubcommand as listed } from "./cliHelp.js";

describe("dropsweep cloud --help", () => {
  it("follows a subcommand's usage when it changes (here the doctor's, given an optional argument)", async () => {
    const { out } = await cli("cloud", "--help");
    expect(listed(out, "doctor")).toBe("doctor [STACK]");
    expect(listed(out, "start")).toBe("start <SPEC>");
    expect(listed(out, "status")).toBe("status <SWEEP>");
  });
});
