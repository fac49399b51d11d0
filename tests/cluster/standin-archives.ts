import { pinned } from '../../cdk8s/src/versions'

/**
 * The name scripts/images/standins/build.sh gives a stand-in's archive in the cache, without
 * `.tar`: `<stand-in>-<tag of the pinned image>`, followed by `-<variant>` for the builds named
 * after their inputs too (CoreDNS: its Corefile's plugins).
 */
export const archiveStem = (versions: Record<string, string>, standIn: string, imageKey: string) =>
  `${standIn}-${pinned(versions, imageKey).split(':').pop()}`
