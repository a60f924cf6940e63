/**
 * The code lists: the whole vocabulary of a typed event's public fields. design.md, "Typed
 * events and claimant privacy": "Public fields only from code lists … No free text in the
 * public leaf". The operator publishes the lists (GET /v1/codes) and records their hash in
 * the log, so a monitor can read every public field in plain English and see when the
 * vocabulary changed.
 */
import { canonicalJson, isPlainObject, utf8 } from '../encoding/index.js';
import { LogError } from '../errors.js';
import { lintPersonalData } from './lint.js';

export type CodeListName = 'organisations' | 'systems' | 'roles' | 'actions' | 'purposes' | 'legalBases' | 'categories';

/** code → plain-English label, per list. */
export type CodeLists = { readonly [K in CodeListName]: Readonly<Record<string, string>> };

export const CODE_LIST_NAMES: readonly CodeListName[] = Object.freeze([
  'organisations',
  'systems',
  'roles',
  'actions',
  'purposes',
  'legalBases',
  'categories',
] as const);

/** Lowercase kebab: the one form a code takes, so codes compare byte for byte and hold no prose. */
export const CODE_PATTERN = '^[a-z0-9]+(?:-[a-z0-9]+)*$';
export const CODE_MAX_LENGTH = 40;
export const LABEL_MAX_LENGTH = 200;

const CODE = new RegExp(CODE_PATTERN);

export function isCode(value: string): boolean {
  return value.length <= CODE_MAX_LENGTH && CODE.test(value);
}

function freezeLists(lists: { [K in CodeListName]: Record<string, string> }): CodeLists {
  for (const name of CODE_LIST_NAMES) Object.freeze(lists[name]);
  return Object.freeze(lists);
}

/**
 * A starting vocabulary for the UK benefits system. Labels are in sentence case (the
 * GOV.UK style), proper names of bodies, benefits and statutes excepted, which is also
 * what lets them pass the personal-data linter's name check.
 */
export const DEFAULT_CODES: CodeLists = freezeLists({
  organisations: {
    dwp: 'Department for Work and Pensions',
    'jobcentre-plus': 'Jobcentre Plus (DWP)',
    'dwp-debt-management': 'DWP Debt Management',
    'dwp-fraud-error-service': 'DWP Fraud and Error Service',
    'child-maintenance-service': 'Child Maintenance Service (DWP)',
    'health-assessment-advisory-service': 'Health Assessment Advisory Service (work capability assessments)',
    'pip-assessment-provider': 'PIP assessment provider under contract to DWP',
    hmrc: 'HM Revenue and Customs',
    'la-housing-benefit': "A local authority's housing benefit team",
    'la-council-tax-support': "A local authority's council tax support team",
    'hm-courts-tribunals-service': 'HM Courts and Tribunals Service (social security appeals)',
    'social-security-scotland': 'Social Security Scotland',
    'home-office': 'Home Office (immigration status checks)',
  },
  systems: {
    'uc-full-service': 'Universal Credit full service',
    cis: 'Customer Information System (CIS)',
    searchlight: 'Searchlight, the web view of the Customer Information System',
    pip: 'Personal Independence Payment computer system',
    esa: 'Employment and Support Allowance computer system',
    jsa: "Jobseeker's Allowance computer system",
    'cms-2012': 'Child Maintenance Service 2012 scheme computer system',
    fraims: 'Fraud Referral and Intervention Management System (FRAIMS)',
    'debt-manager': 'DWP Debt Manager system',
    'la-housing-benefit-system': "A local authority's housing benefit system",
    'hmrc-rti': 'HMRC real time information on earnings and pensions',
  },
  roles: {
    'work-coach': 'Work coach',
    'case-manager': 'Case manager',
    'decision-maker': 'Decision maker',
    'fraud-investigator': 'Fraud investigator',
    'health-professional': 'Health professional carrying out a functional assessment',
    'debt-manager': 'Debt manager',
    'complaints-officer': 'Complaints officer',
    'appeals-officer': 'Appeals officer (mandatory reconsideration and tribunal)',
    'visiting-officer': 'Visiting officer',
    'benefit-processor': 'Benefit processor',
    'team-leader': 'Team leader',
    'system-administrator': 'System administrator',
  },
  actions: {
    view: 'Viewed a record',
    search: 'Searched for a record',
    change: 'Changed a record',
    create: 'Created a record',
    export: 'Exported data from the system',
    print: 'Printed a record',
    join: 'The system joined the set whose accesses are logged',
    leave: 'The system left the set whose accesses are logged',
  },
  purposes: {
    'claim-assessment': 'Assessing a claim',
    'change-of-circumstances': 'Recording a change of circumstances',
    payment: 'Calculating or making a payment',
    'identity-verification': 'Verifying identity',
    'work-search-support': 'Supporting work search',
    'fraud-error-investigation': 'Investigating suspected fraud or error',
    'debt-recovery': 'Recovering an overpayment or other debt',
    'mandatory-reconsideration': 'Mandatory reconsideration of a decision',
    appeal: 'An appeal to a tribunal',
    'complaint-handling': 'Handling a complaint',
    safeguarding: 'Safeguarding a vulnerable person',
    'subject-access-request': "Answering the claimant's own subject access request",
    'system-maintenance': 'System maintenance or support',
  },
  legalBases: {
    'ukgdpr-6-1-c': 'UK GDPR Article 6(1)(c): legal obligation',
    'ukgdpr-6-1-e': 'UK GDPR Article 6(1)(e): public task',
    'ukgdpr-9-2-b': 'UK GDPR Article 9(2)(b): employment and social security law',
    'ukgdpr-9-2-g': 'UK GDPR Article 9(2)(g): substantial public interest',
    'dpa-2018-s8': 'Data Protection Act 2018, section 8: performance of a public task',
    'dpa-2018-sch1-p6': 'Data Protection Act 2018, Schedule 1 paragraph 6: statutory and government purposes',
    'dpa-2018-sch2-p2': 'Data Protection Act 2018, Schedule 2 paragraph 2: crime and taxation',
    'ssaa-1992': 'Social Security Administration Act 1992',
    'welfare-reform-act-2012': 'Welfare Reform Act 2012',
    'welfare-reform-act-2012-s131': 'Welfare Reform Act 2012, section 131: sharing information with local authorities',
    'child-support-act-1991': 'Child Support Act 1991',
    'tax-credits-act-2002': 'Tax Credits Act 2002',
    'social-security-fraud-act-2001': 'Social Security Fraud Act 2001',
    'digital-economy-act-2017-pt5': 'Digital Economy Act 2017, Part 5: public service delivery',
    'care-act-2014': 'Care Act 2014 (safeguarding adults)',
  },
  categories: {
    'contact-details': 'Contact details',
    identity: 'Identity information',
    'national-insurance-number': 'National Insurance number',
    income: 'Income and earnings',
    capital: 'Savings and capital',
    'bank-details': 'Bank or building society details',
    health: 'Health and disability',
    housing: 'Housing and rent',
    household: 'Household members and relationships',
    'caring-responsibilities': 'Caring responsibilities',
    'childcare-costs': 'Childcare costs',
    employment: 'Employment and work search',
    'benefit-history': 'Benefit claims and payment history',
    debts: 'Debts and overpayments',
    convictions: 'Criminal convictions and offences',
    'immigration-status': 'Immigration status',
    'claimant-journal': 'Messages in the claimant journal',
  },
});

const HINT =
  'give a JSON object with exactly the lists organisations, systems, roles, actions, purposes, legalBases and categories, ' +
  `each mapping lowercase kebab codes (at most ${CODE_MAX_LENGTH} characters) to plain-English labels in sentence case`;

function refuse(field: string, message: string, hint = HINT): LogError {
  return new LogError('MALFORMED_REQUEST', message, { field, hint });
}


// Labels are published and canonicalised: refuse what canonical JSON cannot hold (lone
// surrogates) and what a label has no use for (control characters).
const BAD_LABEL_TEXT = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * Parses the operator's code lists, strictly. A code that looks like personal data is
 * refused without naming it in `field` (its list and position instead); every other
 * refusal names `list.code`.
 */
export function parseCodeLists(text: string): CodeLists {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw refuse('body', 'the code lists are not valid JSON');
  }
  if (!isPlainObject(parsed)) throw refuse('body', 'the code lists must be a JSON object');
  for (const key of Object.keys(parsed)) {
    if (!(CODE_LIST_NAMES as readonly string[]).includes(key)) {
      const kind = lintPersonalData(key);
      throw kind === undefined
        ? refuse(key, `${key} is not a code list`)
        : refuse('body', `a member name of the code lists looks like ${kind}, and is not a code list`);
    }
  }
  const out = {} as { [K in CodeListName]: Record<string, string> };
  for (const name of CODE_LIST_NAMES) {
    if (!Object.hasOwn(parsed, name)) throw refuse(name, `the ${name} list is missing`);
    const list = parsed[name];
    if (!isPlainObject(list)) throw refuse(name, `the ${name} list must be a JSON object of code → label`);
    const codes = Object.keys(list);
    if (codes.length === 0) throw refuse(name, `the ${name} list is empty`);
    const entries: Record<string, string> = {};
    codes.forEach((code, i) => {
      // Lint before anything echoes the code in `field`: it may be personal data.
      const kind = lintPersonalData(code);
      if (kind !== undefined) {
        throw refuse(name, `the ${ordinal(i + 1)} code of the ${name} list looks like ${kind}`, 'codes and labels are published: they must never hold personal data');
      }
      const field = `${name}.${code}`;
      if (!isCode(code)) throw refuse(field, `${field} is not a code: codes are lowercase kebab (a-z, 0-9, single hyphens), at most ${CODE_MAX_LENGTH} characters`);
      const label = list[code];
      if (typeof label !== 'string' || label.trim().length === 0) throw refuse(field, `the label of ${field} must be a non-empty string`);
      if (label.length > LABEL_MAX_LENGTH) throw refuse(field, `the label of ${field} is longer than ${LABEL_MAX_LENGTH} characters`);
      if (BAD_LABEL_TEXT.test(label)) throw refuse(field, `the label of ${field} holds a control character or a lone surrogate`);
      const labelKind = lintPersonalData(label);
      if (labelKind !== undefined) {
        throw refuse(
          field,
          `the label of ${field} looks like it holds ${labelKind}`,
          'labels are published: write them in sentence case (as GOV.UK style does), naming bodies and statutes, never people',
        );
      }
      entries[code] = label;
    });
    out[name] = entries;
  }
  return freezeLists(out);
}

/** The JCS (RFC 8785) bytes of the lists, UTF-8: what is hashed and recorded in the log. */
export function codeListsBytes(codes: CodeLists): Uint8Array {
  return utf8(canonicalJson(codes));
}
