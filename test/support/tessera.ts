/**
 * The public 15-entry test log of transparency-dev/tessera (testdata/log): its signer
 * key, its entries and the checkpoints it publishes. Ed25519 is deterministic, so a log
 * with this key and these entries must sign byte-identical checkpoints.
 */
export const TESSERA_SIGNER_KEY =
  'PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg';

export const TESSERA_ENTRIES = 'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'
  .split(' ')
  .map((w) => new TextEncoder().encode(w));

export const TESSERA_CHECKPOINTS: Record<number, string> = {
  0: `example.com/log/testdata
0
47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=

— example.com/log/testdata M9e0lhxJACzE1KoUdqKuPa+9p6R7dSW8BlEvrg/noo8FkGg6PbJoRNOcdjqjOq89wVvTA60eubCc4oufo5BvIVEgtQc=
`,
  2: `example.com/log/testdata
2
T1X2GdkhUjV3iyufF9b0kVsWFxIU0VI4EpNml2Teci4=

— example.com/log/testdata M9e0llH4NKmlf0u7C8tkJioQOmi7l5ELqljXgKRg6R3G5JJ7vx7emDWo5fpqKuA/Dk/jRrI6il+7QCVirNhyUAWGoAk=
`,
  15: `example.com/log/testdata
15
rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=

— example.com/log/testdata M9e0luh4jTG+UMBqOUo9/q+yAEvx1ilBEniMvjf1zfcBOhg+CKubMt53MvIt/uEWP6zdkdIQzd/fmwlM/dlPWF74ewI=
`,
};
