"""The main journey once in Spanish, in browsers whose language is Spanish, and the language
switcher without JavaScript.

Every label, button and message is found by its Spanish name: an English one left over fails
the step that needs it.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.journey import DEMO_PASSWORD, STAFF_EMAIL, Person, expect_flash, new_person

NEIGHBOUR_EMAIL = "neighbour@demo.example.org"
SPANISH = {"locale": "es-ES"}  # the browser's language, sent as Accept-Language
DATASET_ID = "1"  # a dataset of the demo city's catalog


def spanish_context(new_context, **options) -> BrowserContext:
    return new_context(**SPANISH, **options)


def expect_spanish(page: Page) -> None:
    """The page is served in Spanish."""
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Saltar al contenido principal")).to_be_attached()


def expect_english(page: Page) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()


def registrarse(page: Page, person: Person, confirm: bool = True) -> None:
    """Create an account through the Spanish /register and confirm it from the Spanish email."""
    page.goto("/register")
    expect_spanish(page)
    form = page.get_by_role("main")
    form.get_by_label("Nombre visible").fill(person.name)
    form.get_by_label("Correo electrónico").fill(person.email)
    form.get_by_label("Contraseña", exact=True).fill(person.password)
    form.get_by_label("Repita la contraseña").fill(person.password)
    form.get_by_role("button", name="Crear la cuenta").click()
    expect_flash(page, f"¡Le damos la bienvenida, {person.name}!")
    if not confirm:
        return
    # The confirmation email is in Spanish too: the language chosen at sign-up is kept for mail.
    page.goto("/dev/mail")
    message = page.locator("article").filter(has_text=person.email).filter(has_text="/verify/").first
    expect(message).to_contain_text("Confirme su dirección de correo electrónico")
    href = message.locator("a[href*='/verify/']").first.get_attribute("href")
    page.goto(urlsplit(href).path)  # the link names the configured host; the test server's port differs
    page.get_by_role("main").get_by_role("button", name="Confirmar mi dirección").click()
    expect_flash(page, "su dirección de correo electrónico está confirmada")


def iniciar_sesion(page: Page, email: str, password: str) -> None:
    """Log in through the Spanish /login."""
    page.goto("/login")
    form = page.get_by_role("main")
    form.get_by_label("Correo electrónico").fill(email)
    form.get_by_label("Contraseña").fill(password)
    form.get_by_role("button", name="Iniciar sesión").click()
    expect(page.locator('header form[action="/logout"]').first).to_be_attached()


def language_switcher(page: Page, name: str):
    """The footer's language switcher (named "Idioma" in Spanish, "Language" in English)."""
    return page.locator("footer").get_by_role("navigation", name=name)


def test_the_journey_in_spanish(new_context, step):
    title = f"El semáforo de Elm y Highland dura muy poco {uuid.uuid4().hex[:6]}"
    comment = "Mis hijos cruzan ahí cada mañana; la luz verde es demasiado corta."
    answer = "Reprogramaremos el semáforo este mes."
    lucia = new_person("Lucia")

    resident = spanish_context(new_context).new_page()
    with step("a resident registers and proposes a problem tied to a dataset, in Spanish"):
        registrarse(resident, lucia)
        resident.goto(f"/problems/new?dataset={DATASET_ID}")
        expect_spanish(resident)
        expect(resident.get_by_role("heading", level=1)).to_have_text(re.compile("Proponer un problema", re.I))
        form = resident.locator("form#problem-form")
        form.get_by_label(re.compile("^Título")).fill(title)
        form.get_by_label(re.compile("^Descripción")).fill("La luz para peatones dura 7 segundos para 4 carriles.")
        category = form.locator("select[name='category_id']")
        if category.count():
            expect(category.locator("option").first).to_have_text("Elija una categoría…")
            category.select_option(index=1)
        form.locator(f"[name='dataset_ids'][value='{DATASET_ID}']").check()
        form.get_by_role("button", name="Publicar problema").click()
        expect(resident).to_have_url(re.compile(r"/problems/\d+$"))
        expect_flash(resident, "Su problema está publicado.")
        expect(resident.get_by_role("heading", name=title, level=1)).to_be_visible()
        problem_path = urlsplit(resident.url).path

    neighbour = spanish_context(new_context).new_page()
    with step("a neighbour votes and comments, in Spanish"):
        iniciar_sesion(neighbour, NEIGHBOUR_EMAIL, DEMO_PASSWORD)
        neighbour.goto(problem_path)
        main = neighbour.get_by_role("main")
        with neighbour.expect_response(lambda r: "/api/v1/problems/" in r.url and r.request.method == "PUT") as voted:
            main.get_by_role("button", name=re.compile("^Apoyar")).first.click()
        assert voted.value.status == 200
        expect(main.get_by_role("button", name=re.compile("^Apoyado")).first).to_be_visible()
        main.get_by_label("Su comentario").fill(comment)
        main.get_by_role("button", name="Publicar comentario").click()
        expect(main.get_by_text(comment)).to_be_visible()
        expect_spanish(neighbour)

    staff = spanish_context(new_context).new_page()
    with step("staff publish an official response that acknowledges it, in Spanish"):
        iniciar_sesion(staff, STAFF_EMAIL, DEMO_PASSWORD)
        staff.goto(problem_path)
        response_form = staff.locator("form:has(select[name='status'])").first
        response_form.locator("textarea[name='body']").fill(answer)
        expect(response_form.locator("select[name='status'] option[value='acknowledged']")).to_have_text("Recibido")
        response_form.locator("select[name='status']").select_option(value="acknowledged")
        response_form.get_by_role("button", name="Publicar respuesta").click()
        main = staff.get_by_role("main")
        expect(main.get_by_text(answer)).to_be_visible()
        expect(main.get_by_text("Recibido").first).to_be_visible()
        expect(main.get_by_text("Respuesta oficial").first).to_be_visible()

    with step("the resident reads the answer in Spanish"):
        resident.goto("/notifications")
        expect_spanish(resident)
        expect(resident.get_by_role("main").get_by_text(title).first).to_be_visible()
        resident.goto(problem_path)
        expect(resident.get_by_role("main").get_by_text("Recibido").first).to_be_visible()


def test_the_language_switcher_works_without_javascript(new_context, step):
    with step("a visitor follows the switcher's links"):
        visitor = spanish_context(new_context, java_script_enabled=False).new_page()
        visitor.goto("/datasets?q=bus")
        expect_spanish(visitor)
        language_switcher(visitor, "Idioma").get_by_role("link", name="English").click()
        expect(visitor).to_have_url(re.compile(r"/datasets\?q=bus$"))
        expect_english(visitor)
        visitor.goto("/")  # the choice is kept (a cookie) over the browser's Spanish
        expect_english(visitor)
        language_switcher(visitor, "Language").get_by_role("link", name="Español").click()
        expect_spanish(visitor)

    with step("a signed-in resident presses the switcher's buttons"):
        resident = spanish_context(new_context, java_script_enabled=False).new_page()
        registrarse(resident, new_person("Marta"), confirm=False)  # (the choice is saved on the account)
        resident.goto("/notifications")
        language_switcher(resident, "Idioma").get_by_role("button", name="English").click()
        expect(resident).to_have_url(re.compile(r"/notifications$"))
        expect_english(resident)
        language_switcher(resident, "Language").get_by_role("button", name="Español").click()
        expect(resident).to_have_url(re.compile(r"/notifications$"))
        expect_spanish(resident)
