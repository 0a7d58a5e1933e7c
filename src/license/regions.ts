/**
 * Region data for the EU clause: ISO 3166-1 alpha-2 codes and which of them are in the European Union.
 * Data only; ./parse-region.ts validates user input against it.
 */

/** The 27 EU member states (since 2020-02-01; GB left). Greece is GR here, not the EU's own "EL". */
export const EU_MEMBER_STATES: readonly string[] = [
  "AT",
  "BE",
  "BG",
  "HR",
  "CY",
  "CZ",
  "DK",
  "EE",
  "FI",
  "FR",
  "DE",
  "GR",
  "HU",
  "IE",
  "IT",
  "LV",
  "LT",
  "LU",
  "MT",
  "NL",
  "PL",
  "PT",
  "RO",
  "SK",
  "SI",
  "ES",
  "SE",
];

/**
 * Territories with their own ISO code that are part of the EU (outermost regions of France, and the
 * Åland Islands of Finland). Overseas countries and territories (e.g. NC, PF, GL, AW) are not.
 */
export const EU_TERRITORIES: readonly string[] = ["AX", "GF", "GP", "MQ", "RE", "YT", "MF"];

/** EEA members outside the EU, and Switzerland: they contract with Meta Platforms Ireland too. */
export const EEA_NON_EU_AND_CH: readonly string[] = ["IS", "LI", "NO", "CH"];

/** All 249 officially assigned ISO 3166-1 alpha-2 codes. */
export const ISO_3166_ALPHA2: readonly string[] = (
  "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
  "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
  "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
  "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
  "NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
  "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
  "UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
).split(" ");

/** User-assigned codes in wide use that llamagate also accepts (Kosovo). */
export const ACCEPTED_USER_ASSIGNED: readonly string[] = ["XK"];

/** Common non-ISO spellings, mapped to the code the user most likely meant (for the error hint). */
export const REGION_SUGGESTIONS: Readonly<Record<string, string>> = {
  UK: "GB",
  EL: "GR",
  EN: "GB",
  USA: "US",
  GER: "DE",
};
