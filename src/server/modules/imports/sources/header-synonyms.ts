import type { ImportField } from '../../../../contracts/imports.ts';

const list = (text: string) => text.split(',').map((s) => s.trim());

/**
 * Header texts that name each field, as `normaliseHeaderText` leaves them (lower case, no accents, words
 * split by single spaces), the most specific first: earlier entries win when several headers could fill a
 * field. Covers English names, Shopify, WooCommerce, Magento 2, BigCommerce and common ERP exports, and
 * the usual French, German, Dutch and Spanish headers.
 * Codes beat names where both exist (Province Code over Province, Country Code over Country): a code
 * is unambiguous, and a name column stays free for the person to map instead.
 */
export const HEADER_SYNONYMS: Record<ImportField, readonly string[]> = {
  accountNumber: list(
    'account number, account no, account nr, account num, acct no, acct number, account,' +
      'customer number, customer no, customer nr, customer num, cust no, cust number,' +
      'customer account number, customer account, client number, client no, debtor number,' +
      'debtor no, debtor, debtor account, kundennummer, kundennr, kunden nr, debitor,' +
      'debitorennummer, numero client, no client, n client, numero de client, klantnummer, klantnr,' +
      'debiteurnummer, debiteur, numero de cliente, customer id, account id',
  ),
  accountCode: list(
    'account code, customer code, cust code, client code, code client, kundencode, klantcode,' +
      'codigo de cliente, codigo cliente, short code, code',
  ),
  accountName: list(
    'company name, account name, customer name, company, organisation name, organization name,' +
      'organisation, organization, business name, trading name, legal name, firm, firmenname, firma,' +
      'unternehmen, raison sociale, societe, entreprise, nom de l entreprise, nom societe,' +
      'bedrijfsnaam, bedrijf, empresa, nombre de empresa, razon social, client name, client,' +
      'customer, name',
  ),
  accountKind: list('account kind, account type, customer type, kind'),
  paymentTerms: list(
    'payment terms, payment terms code, payment term, terms code, terms, credit terms,' +
      'payment conditions, payment condition, zahlungsbedingungen, zahlungsbedingung,' +
      'conditions de paiement, conditions de reglement, betalingsvoorwaarden, betalingstermijn,' +
      'condiciones de pago, forma de pago',
  ),
  priceGroup: list(
    'price group, customer price group, price list, pricelist, price level, pricing group,' +
      'price category, preisgruppe, preisliste, groupe de prix, liste de prix, tarif, prijsgroep,' +
      'prijslijst, tarifa, lista de precios',
  ),
  salesRepCode: list(
    'sales rep code, salesperson code, sales person code, rep code, sales rep, salesperson,' +
      'sales person, sales representative, representative, account manager, rep, vertreter,' +
      'vertreternummer, aussendienst, commercial, representant, vertegenwoordiger, verkoper,' +
      'vendedor, comercial',
  ),
  billingLine1: list(
    'address line 1, address 1, address1, street address, street, street 1, street1, line 1,' +
      'address, billing address, adresse 1, adresse, strasse, str, rue, adres, straat, direccion,' +
      'calle',
  ),
  billingLine2: list(
    'address line 2, address 2, address2, street 2, street2, line 2, adresse 2, adresszusatz,' +
      'complement d adresse, complement adresse, adres 2, direccion 2',
  ),
  billingCity: list(
    'city, town, ort, stadt, ville, localite, plaats, woonplaats, stad, ciudad, localidad,' + 'poblacion',
  ),
  billingPostalCode: list(
    'zip, zip code, zipcode, postal code, postcode, post code, postalcode, plz, postleitzahl,' +
      'code postal, cp, codigo postal',
  ),
  billingRegion: list(
    'province code, state code, region code, province, state, region, state province,' +
      'state or province, county, bundesland, departement, provincie, provincia, estado',
  ),
  billingCountry: list(
    'country code, country iso, iso country, country id, country, nation, code pays, pays, land,' +
      'landcode, codigo pais, pais',
  ),
  email: list(
    'email, e mail, email address, e mail address, mail, emailadresse, e mail adresse, courriel,' +
      'adresse email, adresse e mail, correo, correo electronico',
  ),
  firstName: list('first name, firstname, given name, forename, first, vorname, prenom, voornaam, nombre'),
  lastName: list(
    'last name, lastname, surname, family name, last, nachname, familienname, nom de famille, nom,' +
      'achternaam, apellidos, apellido',
  ),
  phone: list(
    'phone, phone number, telephone, telephone number, tel, mobile, mobile phone, mobile number,' +
      'cell, cell phone, telefon, telefonnummer, handy, mobil, telefoon, telefoonnummer, mobiel,' +
      'telefono, movil, portable',
  ),
  workPhone: list(
    'work phone, business phone, office phone, phone work, company phone, direct line,' +
      'telefon geschaftlich, telephone professionnel, tel bureau, werktelefoon, telefono trabajo',
  ),
  language: list('language, language code, preferred language, lang, locale, sprache, langue, taal, idioma'),
  customerGroups: list(
    'customer groups, customer group, groups, group, kundengruppe, groupe client, klantgroep,' +
      'grupo de clientes',
  ),
  number: list(
    'invoice number, invoice no, invoice nr, invoice num, invoice id, invoice, bill number, document number,' +
      'number, rechnungsnummer, rechnung nr, numero de facture, no facture, facture, factuurnummer, factuur,' +
      'numero de factura, factura',
  ),
  date: list(
    'invoice date, date, document date, bill date, posting date, rechnungsdatum, datum, date de facture,' +
      'factuurdatum, fecha de factura, fecha',
  ),
  amount: list(
    'amount, invoice amount, total, invoice total, total amount, gross amount, amount incl tax, betrag,' +
      'rechnungsbetrag, montant, bedrag, importe',
  ),
  currency: list('currency, currency code, curr, waehrung, wahrung, devise, monnaie, valuta, moneda'),
  code: list(
    'code, payment terms code, terms code, price group code, price list code, sales rep code, rep code,' +
      'salesperson code, key, id, kode, codigo, schluessel, schlussel',
  ),
  name: list(
    'name, description, label, title, payment terms, price group, sales rep, salesperson, sales representative,' +
      'bezeichnung, beschreibung, libelle, omschrijving, naam, descripcion, nombre',
  ),
  active: list('active, is active, enabled, in use, status, aktiv, actif, actief, activo'),
};

/**
 * Prefixes exports put before a field's usual name (WooCommerce `billing_city`, Shopify `Default Address
 * City`, Magento `_address_city`). A header only matches through one when nothing matches it outright.
 * Shipping prefixes are left out on purpose: a shipping address is not the billing address.
 */
export const HEADER_PREFIXES = [
  'default address',
  'billing address',
  'billing',
  'bill to',
  'invoice address',
  'invoice',
  'address',
  'contact',
  'customer',
  'primary',
];
