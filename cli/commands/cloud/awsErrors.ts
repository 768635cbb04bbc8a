// An AWS call's failure said in one line naming what was being done, for every `dropsweep
// cloud` subcommand: what is the user's to fix is a UsageError (exit 2, and checked before
// anything is written), a call that failed is a CommandFailure (exit 1), anything else a bug.
import { UsageError } from "../../../shared/errors.js";
import { CommandFailure } from "../../failure.js";

const refusedNames = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError", "Forbidden"]);
const badCredentialNames = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidSignatureException",
]);
const networkCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

export interface Where {
  region?: string;
  endpoint?: string;
}

/**
 * `error` as one line about `what`: a missing region or credentials, credentials AWS refuses,
 * access denied, or a resource that is not there are the user's to fix (UsageError, exit 2); an
 * unreachable endpoint or a service error is a failed call (CommandFailure, exit 1). Anything
 * that is not from AWS is returned as is (a bug: its stack shows).
 */
export function awsFailure(error: unknown, what: string, where: Where = {}): unknown {
  if (!(error instanceof Error) || error instanceof UsageError || error instanceof CommandFailure) return error;
  const { name, message } = error;
  const code = (error as NodeJS.ErrnoException).code;
  const fromService = typeof (error as { $metadata?: unknown }).$metadata === "object";
  if (/^Region is missing/.test(message))
    return new UsageError("cloud: no AWS region: give --region or set AWS_REGION (or a region in the AWS profile)");
  if (name === "CredentialsProviderError" || name === "TokenProviderError")
    return new UsageError(
      `cloud: no AWS credentials found (environment, shared config/profile, SSO): ${message}; set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, or run \`aws configure\` / \`aws sso login\``,
    );
  if (refusedNames.has(name))
    return new UsageError(`cloud: ${what}: access denied (${name}: ${message}); check the credentials' account and their permissions`);
  if (badCredentialNames.has(name)) return new UsageError(`cloud: ${what}: AWS refused the credentials (${name}: ${message})`);
  if (/NotFound|DoesNotExist|NoSuch/.test(name)) return new UsageError(`cloud: ${what}: not found (${name}: ${message})`);
  const network = [code, (error as { cause?: { code?: string } }).cause?.code].find((c) => c !== undefined && networkCodes.has(c));
  if (network || name === "TimeoutError") {
    const at = where.endpoint ?? `AWS${where.region ? ` in ${where.region}` : ""}`;
    return new CommandFailure(`cloud: ${what}: cannot reach ${at} (${network ?? name})`);
  }
  if (fromService) return new CommandFailure(`cloud: ${what} failed: ${name}: ${message}`);
  return error;
}

/** `call`, its AWS failures said in one line (awsFailure). */
export async function aws<T>(what: string, where: Where, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw awsFailure(error, what, where);
  }
}
