/** The organisation size the demo accepts the license for (well under the 700M MAU threshold). */
export const DEMO_ORG_MAU = 1000;
